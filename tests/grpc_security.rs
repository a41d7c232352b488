//! Issue 15 over gRPC: roles, not requests, choose views; non-finite numbers
//! are refused with the field named; oversized requests answer
//! RESOURCE_EXHAUSTED. The server runs with TLS (certificates made here with
//! rcgen: no key is committed), bearer tokens and a client certificate.
#![cfg(feature = "grpc")]

mod common;

use std::path::Path;
use std::time::Duration;

use common::fixture;
use rosa::grpc::auth::Access;
use rosa::grpc::pb::rosa_client::RosaClient;
use rosa::grpc::pb::{
    self, AuditVerifyRequest, Candidate, ExplainRequest, OffersRequest, OutcomeRequest,
    RemoveRequest, RosterBatchRequest, RosterRequest, Vacancy,
};
use rosa::grpc::ServeConfig;
use rosa::model::{parse_record, CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};
use sha2::{Digest, Sha256};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic::Code;

fn candidates() -> Vec<CandidateRecord> {
    std::fs::read_to_string(fixture("candidates.jsonl"))
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| parse_record(l, "candidates.jsonl", i + 1).unwrap())
        .collect()
}

fn vacancy_json() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("vacancy.json")).unwrap()).unwrap()
}

fn vacancy_msg(patch: serde_json::Value) -> Vacancy {
    let mut v = vacancy_json();
    for (k, x) in patch.as_object().unwrap() {
        v[k] = x.clone();
    }
    serde_json::from_value(v).unwrap()
}

fn roster_req(v: Vacancy) -> RosterRequest {
    RosterRequest {
        vacancy: Some(v),
        ..Default::default()
    }
}

fn first_candidate() -> Candidate {
    serde_json::from_str(
        std::fs::read_to_string(fixture("candidates.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A CA, a server certificate for `localhost` and a client certificate, as
/// PEM files in `dir`; returns the client certificate's SHA-256 (of its DER).
fn make_certificates(dir: &Path) -> String {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server = server_params.signed_by(&server_key, &ca).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["acme-hr".to_string()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = client_params.signed_by(&client_key, &ca).unwrap();

    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("client.pem"), client.pem()).unwrap();
    std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
    hex(&Sha256::digest(client.der()))
}

const OPERATOR_TOKEN: &str = "operator-token-0123456789";
const EMPLOYER_TOKEN: &str = "employer-token-0123456789";
const AUDITOR_TOKEN: &str = "auditor-token-0123456789";

struct Server {
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _handle: tokio::task::JoinHandle<Result<(), Box<dyn std::error::Error + Send + Sync>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A server with TLS, three token clients and one certificate client.
async fn start_secured() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let cert_sha = make_certificates(dir.path());
    let sha = |t: &str| hex(&Sha256::digest(t.as_bytes()));
    let config = format!(
        "[tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nclient_ca = \"ca.pem\"\n\n\
         [[clients]]\nname = \"cpi-como\"\nrole = \"operator\"\ntoken_sha256 = \"{}\"\n\n\
         [[clients]]\nname = \"e001\"\nrole = \"employer\"\ntoken_sha256 = \"{}\"\n\n\
         [[clients]]\nname = \"acme-hr\"\nrole = \"employer\"\ncert_sha256 = \"{cert_sha}\"\n\n\
         [[clients]]\nname = \"garante\"\nrole = \"auditor\"\ntoken_sha256 = \"{}\"\n",
        sha(OPERATOR_TOKEN),
        sha(EMPLOYER_TOKEN),
        sha(AUDITOR_TOKEN)
    );
    std::fs::write(dir.path().join("access.toml"), config).unwrap();
    let access = Access::from_file(&dir.path().join("access.toml")).unwrap();
    assert!(access.has_tls() && access.authenticates());
    start_with(dir, access).await
}

async fn start_with(dir: tempfile::TempDir, access: Access) -> Server {
    let open: VacancyRecord = serde_json::from_value(vacancy_json()).unwrap();
    let engine = Engine::build(&dir.path().join("idx"), candidates(), vec![open]).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServeConfig {
        listen: addr,
        timeout: Duration::from_secs(30),
        policy: Policy::from_file(&fixture("policy.toml")).unwrap(),
    };
    let handle = tokio::spawn(rosa::grpc::serve_with(
        engine,
        config,
        access,
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    Server {
        addr,
        dir,
        stop: Some(stop),
        _handle: handle,
    }
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Nobody,
    Operator,
    Employer,
    EmployerByCertificate,
    Auditor,
    WrongToken,
}

type Client = RosaClient<
    tonic::service::interceptor::InterceptedService<
        Channel,
        Box<dyn FnMut(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> + Send>,
    >,
>;

async fn channel(s: &Server, who: Who) -> Channel {
    let dir = s.dir.path();
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(
            std::fs::read(dir.join("ca.pem")).unwrap(),
        ))
        .domain_name("localhost");
    if who == Who::EmployerByCertificate {
        tls = tls.identity(Identity::from_pem(
            std::fs::read(dir.join("client.pem")).unwrap(),
            std::fs::read(dir.join("client.key")).unwrap(),
        ));
    }
    Channel::from_shared(format!("https://{}", s.addr))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap()
}

async fn client(s: &Server, who: Who) -> Client {
    let token = match who {
        Who::Operator => Some(OPERATOR_TOKEN),
        Who::Employer => Some(EMPLOYER_TOKEN),
        Who::Auditor => Some(AUDITOR_TOKEN),
        Who::WrongToken => Some("guessed-token"),
        Who::Nobody | Who::EmployerByCertificate => None,
    };
    let auth: Box<
        dyn FnMut(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> + Send,
    > = Box::new(move |mut req: tonic::Request<()>| {
        if let Some(t) = token {
            req.metadata_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        Ok(req)
    });
    RosaClient::with_interceptor(channel(s, who).await, auth)
}

/// Every method once, with a request that an operator may make; the code it
/// answers (`Ok` as `Code::Ok`).
async fn call(c: &mut Client, method: &str) -> Code {
    let code = |r: Result<(), tonic::Status>| r.err().map_or(Code::Ok, |e| e.code());
    match method {
        "Roster" => code(
            c.roster(roster_req(vacancy_msg(serde_json::json!({}))))
                .await
                .map(drop),
        ),
        "RosterBatch" => {
            let r = c
                .roster_batch(RosterBatchRequest {
                    vacancies: vec![vacancy_msg(serde_json::json!({}))],
                    ..Default::default()
                })
                .await;
            match r {
                Err(e) => e.code(),
                Ok(stream) => {
                    let mut stream = stream.into_inner();
                    let mut last = Code::Ok;
                    while let Some(item) = tokio_stream::StreamExt::next(&mut stream).await {
                        if let Err(e) = item {
                            last = e.code();
                        }
                    }
                    last
                }
            }
        }
        "Explain" => code(
            c.explain(ExplainRequest {
                vacancy: Some(vacancy_msg(serde_json::json!({}))),
                candidate_id: "C001".into(),
                policy_toml: String::new(),
                lang: String::new(),
            })
            .await
            .map(drop),
        ),
        "Offers" => code(
            c.offers(OffersRequest {
                candidate_id: "C001".into(),
                policy_toml: String::new(),
                lang: String::new(),
            })
            .await
            .map(drop),
        ),
        "UpsertCandidates" => {
            let one = Candidate {
                id: "C900".into(),
                ..first_candidate()
            };
            code(
                c.upsert_candidates(tokio_stream::iter(vec![one]))
                    .await
                    .map(drop),
            )
        }
        "RemoveCandidates" => code(
            c.remove_candidates(RemoveRequest {
                ids: vec!["C900".into()],
            })
            .await
            .map(drop),
        ),
        "RecordOutcome" => code(
            c.record_outcome(OutcomeRequest {
                vacancy_id: "V001".into(),
                candidate_id: "C002".into(),
                result: "contacted".into(),
            })
            .await
            .map(drop),
        ),
        "AuditVerify" => code(c.audit_verify(AuditVerifyRequest {}).await.map(drop)),
        other => panic!("no such method {other}"),
    }
}

/// Every gRPC method × every role (and no credentials, and a wrong token).
#[tokio::test]
async fn role_matrix_every_method_every_role() {
    let s = start_secured().await;
    use Code::{Ok as Yes, PermissionDenied as Denied, Unauthenticated as NoAuth};
    // Methods in an order that keeps each call valid for the operator
    // (upsert C900 before removing it).
    let methods = [
        "Roster",
        "RosterBatch",
        "Explain",
        "Offers",
        "UpsertCandidates",
        "RemoveCandidates",
        "RecordOutcome",
        "AuditVerify",
    ];
    let expected: [(Who, [Code; 8]); 6] = [
        (Who::Operator, [Yes, Yes, Yes, Yes, Yes, Yes, Yes, Denied]),
        (
            Who::Employer,
            [Yes, Yes, Denied, Denied, Denied, Denied, Denied, Denied],
        ),
        (
            Who::EmployerByCertificate,
            [Yes, Yes, Denied, Denied, Denied, Denied, Denied, Denied],
        ),
        (
            Who::Auditor,
            [Denied, Denied, Denied, Denied, Denied, Denied, Denied, Yes],
        ),
        (Who::Nobody, [NoAuth; 8]),
        (Who::WrongToken, [NoAuth; 8]),
    ];
    let mut failures = Vec::new();
    for (who, codes) in expected {
        let mut c = client(&s, who).await;
        for (method, want) in methods.iter().zip(codes) {
            let got = call(&mut c, method).await;
            if got != want {
                failures.push(format!("{who:?} {method}: got {got:?}, want {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Health is open to anyone, over TLS.
    let mut health =
        tonic_health::pb::health_client::HealthClient::new(channel(&s, Who::Nobody).await);
    let h = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "rosa.v1.Rosa".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        h.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // A denied or unauthenticated commit changed nothing: the operator's
    // upsert, removal and outcome are the only commits (generation 1 + 3).
    let mut op = client(&s, Who::Operator).await;
    let r = op
        .roster(roster_req(vacancy_msg(serde_json::json!({}))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.index_generation, 4);
    // The auditor's verification reads the log the calls wrote.
    let mut aud = client(&s, Who::Auditor).await;
    let v = aud
        .audit_verify(AuditVerifyRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(v.ok && v.records > 4, "{v:?}");
}

/// An employer gets the employer view whatever it asks; in a graduatoria it
/// sees ids and ranks only: no points, no total, no exclusions by rule.
#[tokio::test]
async fn the_role_chooses_the_view_not_the_request() {
    let s = start_secured().await;
    let mut emp = client(&s, Who::Employer).await;
    let mut op = client(&s, Who::Operator).await;

    let asked_nothing = emp
        .roster(roster_req(vacancy_msg(serde_json::json!({}))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(asked_nothing.view, "employer");
    assert!(
        asked_nothing.excluded.is_empty(),
        "{:?}",
        asked_nothing.excluded
    );
    assert!(!asked_nothing.entries.is_empty());
    for e in &asked_nothing.entries {
        assert!(e.rules.is_empty() && e.congruity.is_none(), "{e:?}");
        assert!(e.score.is_some(), "a fit score is shown");
    }
    let err = emp
        .roster(RosterRequest {
            view: "operator".into(),
            ..roster_req(vacancy_msg(serde_json::json!({})))
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    assert!(err.message().contains("employer"), "{}", err.message());
    let batch_err = emp
        .roster_batch(RosterBatchRequest {
            vacancies: vec![vacancy_msg(serde_json::json!({}))],
            view: "operator".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(batch_err.code(), Code::PermissionDenied);

    // A graduatoria: the operator sees totals and terms, the employer only
    // ids and ranks, in the same order.
    let grad = vacancy_msg(serde_json::json!({"mode": "public_selection"}));
    let full = op
        .roster(roster_req(grad.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(full
        .entries
        .iter()
        .all(|e| e.score.is_some() && !e.criteria.is_empty()));
    let mut batch = emp
        .roster_batch(RosterBatchRequest {
            vacancies: vec![grad.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let seen = tokio_stream::StreamExt::next(&mut batch)
        .await
        .unwrap()
        .unwrap();
    for r in [
        emp.roster(roster_req(grad)).await.unwrap().into_inner(),
        seen,
    ] {
        assert_eq!(r.view, "employer");
        assert!(r.excluded.is_empty());
        let ids: Vec<_> = r
            .entries
            .iter()
            .map(|e| (e.rank, e.candidate_id.clone()))
            .collect();
        let full_ids: Vec<_> = full
            .entries
            .iter()
            .map(|e| (e.rank, e.candidate_id.clone()))
            .collect();
        assert_eq!(ids, full_ids);
        for e in &r.entries {
            assert!(
                e.score.is_none(),
                "a graduatoria total shown to an employer: {e:?}"
            );
            assert!(e.criteria.is_empty() && e.rules.is_empty() && e.congruity.is_none());
        }
    }
}

/// Without a config the server may not listen beyond loopback, unless forced.
#[tokio::test]
async fn a_network_address_without_tls_and_authentication_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::build(&dir.path().join("idx"), candidates(), vec![]).unwrap();
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let config = ServeConfig {
        listen: listener.local_addr().unwrap(),
        timeout: Duration::from_secs(5),
        policy: Policy::default(),
    };
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        rosa::grpc::serve_on(engine, config, listener, std::future::pending()),
    )
    .await
    .expect("refused at once")
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("without TLS and client authentication") && err.contains("--insecure"),
        "{err}"
    );
}

/// Loopback without a config: the local operator, as before (tokens are not
/// needed, and the operator view is the default).
#[tokio::test]
async fn loopback_without_a_config_is_the_local_operator() {
    let s = start_with(tempfile::tempdir().unwrap(), Access::local()).await;
    let mut c = RosaClient::connect(format!("http://{}", s.addr))
        .await
        .unwrap();
    let r = c
        .roster(roster_req(vacancy_msg(serde_json::json!({}))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.view, "operator");
    assert!(!r.entries[0].rules.is_empty());
    c.explain(ExplainRequest {
        vacancy: Some(vacancy_msg(serde_json::json!({}))),
        candidate_id: "C001".into(),
        policy_toml: String::new(),
        lang: String::new(),
    })
    .await
    .unwrap();
    // The audit is for auditors, whom only a config names.
    let err = c.audit_verify(AuditVerifyRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// Non-finite doubles in a vacancy or a candidate are refused with the field
/// named, never read as a missing field or a default.
#[tokio::test]
async fn non_finite_doubles_are_refused_with_the_field_named() {
    let s = start_with(tempfile::tempdir().unwrap(), Access::local()).await;
    let mut c = RosaClient::connect(format!("http://{}", s.addr))
        .await
        .unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let base = vacancy_msg(serde_json::json!({}));
        let mut cases: Vec<(Vacancy, &str)> = Vec::new();
        let mut v = base.clone();
        v.skills[1].weight = Some(bad);
        cases.push((v, "skills[1].weight"));
        let mut v = base.clone();
        v.contract.as_mut().unwrap().hours_per_week = bad;
        cases.push((v, "contract.hours_per_week"));
        let mut v = base.clone();
        v.contract.as_mut().unwrap().gross_monthly_eur = Some(bad);
        cases.push((v, "contract.gross_monthly_eur"));
        let mut v = base.clone();
        v.contract.as_mut().unwrap().ccnl_min_monthly_eur = Some(bad);
        cases.push((v, "contract.ccnl_min_monthly_eur"));
        for (v, field) in cases {
            let err = c.roster(roster_req(v.clone())).await.unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{field} = {bad}");
            assert!(
                err.message()
                    .contains(&format!("V001: {field}: must be a finite number")),
                "{field} = {bad}: {}",
                err.message()
            );
            let err = c
                .roster_batch(RosterBatchRequest {
                    vacancies: vec![base.clone(), v],
                    ..Default::default()
                })
                .await
                .unwrap_err();
            assert!(
                err.message()
                    .contains(&format!("RosterBatch.vacancies:1: V001: {field}")),
                "{}",
                err.message()
            );
        }

        let good = first_candidate();
        let mut cases: Vec<(Candidate, &str)> = Vec::new();
        let benefit = pb::Benefit {
            scheme: "naspi".into(),
            monthly_eur: 900.0,
            last_contract_hours: Some(40.0),
        };
        let ranking = pb::RankingData {
            dependents: 1,
            isee_eur: Some(8000.0),
            income_eur: Some(0.0),
            birth_date: None,
        };
        let mut x = good.clone();
        x.benefit = Some(pb::Benefit {
            monthly_eur: bad,
            ..benefit.clone()
        });
        cases.push((x, "benefit.monthly_eur"));
        let mut x = good.clone();
        x.benefit = Some(pb::Benefit {
            last_contract_hours: Some(bad),
            ..benefit.clone()
        });
        cases.push((x, "benefit.last_contract_hours"));
        let mut x = good.clone();
        x.ranking = Some(pb::RankingData {
            isee_eur: Some(bad),
            ..ranking.clone()
        });
        cases.push((x, "ranking.isee_eur"));
        let mut x = good.clone();
        x.ranking = Some(pb::RankingData {
            income_eur: Some(bad),
            ..ranking.clone()
        });
        cases.push((x, "ranking.income_eur"));
        for (x, field) in cases {
            let err = c
                .upsert_candidates(tokio_stream::iter(vec![good.clone(), x]))
                .await
                .unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{field} = {bad}");
            assert!(
                err.message().contains(&format!(
                    "UpsertCandidates:2: C001: {field}: must be a finite number"
                )),
                "{field} = {bad}: {}",
                err.message()
            );
        }
    }
    // Nothing was committed.
    let r = c
        .roster(roster_req(vacancy_msg(serde_json::json!({}))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.index_generation, 1);
}

/// A request over the size limit is RESOURCE_EXHAUSTED, as the proto says,
/// unary or streamed; a huge bad policy answers a clipped error.
#[tokio::test]
async fn oversized_requests_are_resource_exhausted_and_errors_are_bounded() {
    let s = start_with(tempfile::tempdir().unwrap(), Access::local()).await;
    let mut c = RosaClient::connect(format!("http://{}", s.addr))
        .await
        .unwrap()
        .max_encoding_message_size(64 << 20);
    let big = RosterRequest {
        policy_toml: "#".repeat(rosa::grpc::MAX_REQUEST_BYTES + 1),
        ..roster_req(vacancy_msg(serde_json::json!({})))
    };
    let err = c.roster(big).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");

    let huge = Candidate {
        cv_text: "x".repeat(rosa::grpc::MAX_REQUEST_BYTES + 1),
        ..first_candidate()
    };
    let err = c
        .upsert_candidates(tokio_stream::iter(vec![huge]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");

    // A 3 MB bad policy line: the error names the problem in a few KiB.
    let bad_policy = RosterRequest {
        policy_toml: format!("freshness_days = \"{}\"\n", "y".repeat(3 << 20)),
        ..roster_req(vacancy_msg(serde_json::json!({})))
    };
    let err = c.roster(bad_policy).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().len() <= rosa::grpc::auth::MAX_STATUS_MESSAGE_BYTES,
        "{}",
        err.message().len()
    );
    assert!(
        err.message().contains("freshness_days"),
        "{}",
        &err.message()[..200]
    );
}

/// A vacancy's applicants that are not in the index are reported with the
/// roster, not dropped without a word.
#[tokio::test]
async fn unknown_applicants_are_reported() {
    let s = start_with(tempfile::tempdir().unwrap(), Access::local()).await;
    let mut c = RosaClient::connect(format!("http://{}", s.addr))
        .await
        .unwrap();
    let r = c
        .roster(roster_req(vacancy_msg(
            serde_json::json!({"applicants": ["C001", "C404", "C002", "C404", "C999"]}),
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.unknown_applicants, vec!["C404", "C999"]);
    assert_eq!(r.pool, 2);
}
