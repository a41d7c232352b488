//! The gRPC service with the tonic client, on loopback: every method, concrete
//! answers, the status codes of bad requests, and that the server is a thin
//! layer (its roster is the library's roster, field for field).
#![cfg(feature = "grpc")]

mod common;

use std::time::Duration;

use common::fixture;
use rosa::grpc::pb::rosa_client::RosaClient;
use rosa::grpc::pb::{
    self, Candidate, ExplainRequest, OffersRequest, OutcomeRequest, RemoveRequest,
    RosterBatchRequest, RosterRequest, Vacancy,
};
use rosa::grpc::ServeConfig;
use rosa::lang::Lang;
use rosa::model::{parse_record, CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};
use tonic::transport::Channel;
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

fn policy() -> Policy {
    Policy::from_file(&fixture("policy.toml")).unwrap()
}

struct Server {
    client: RosaClient<Channel>,
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), Box<dyn std::error::Error + Send + Sync>>>,
    _tmp: tempfile::TempDir,
}

async fn start() -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let open: VacancyRecord = serde_json::from_value(vacancy_json()).unwrap();
    let engine = Engine::build(&tmp.path().join("idx"), candidates(), vec![open]).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServeConfig {
        listen: addr,
        timeout: Duration::from_secs(30),
        policy: policy(),
    };
    let handle = tokio::spawn(rosa::grpc::serve_on(engine, config, listener, async {
        let _ = stopped.await;
    }));
    let client = RosaClient::connect(format!("http://{addr}")).await.unwrap();
    Server {
        client,
        addr,
        stop: Some(stop),
        handle,
        _tmp: tmp,
    }
}

fn ids(r: &pb::RosterResponse) -> Vec<&str> {
    r.entries.iter().map(|e| e.candidate_id.as_str()).collect()
}

/// The roster of the fixture vacancy, as served.
async fn fixture_roster(client: &mut RosaClient<Channel>) -> pb::RosterResponse {
    client
        .roster(roster_req(vacancy_msg(serde_json::json!({}))))
        .await
        .unwrap()
        .into_inner()
}

fn roster_req(v: Vacancy) -> RosterRequest {
    RosterRequest {
        vacancy: Some(v),
        ..Default::default()
    }
}

#[tokio::test]
async fn roster_is_the_library_roster_field_for_field() {
    let mut s = start().await;
    let r = fixture_roster(&mut s.client).await;
    assert_eq!(ids(&r), ["C001", "C005", "C003", "C004", "C013", "C002"]);
    assert_eq!((r.cap, r.pool, r.eligible), (15, 13, 6));
    assert_eq!(r.excluded.values().sum::<u64>() + r.eligible, r.pool);
    assert!(r.entries[0].rules.iter().all(|x| x.outcome == "pass"));
    let sum: f64 = r.entries[0].criteria.iter().map(|c| c.points).sum();
    assert!((sum - r.entries[0].score.unwrap()).abs() < 1e-9);

    // The same roster from the library, mapped to the message, is equal.
    let engine = Engine::in_memory(candidates(), Vec::new()).unwrap();
    let lib = engine
        .roster(&serde_json::from_value(vacancy_json()).unwrap(), &policy())
        .unwrap();
    let as_message = |lang| -> pb::RosterResponse {
        let v = rosa::lang::with(lang, || serde_json::to_value(&lib)).unwrap();
        let mut m: pb::RosterResponse = serde_json::from_value(v).unwrap();
        m.index_generation = r.index_generation;
        m
    };
    // Without `lang`, the texts are Italian.
    assert_eq!(as_message(Lang::It), r);

    // With `lang: "en"`, English, and only the texts differ.
    let mut req = roster_req(vacancy_msg(serde_json::json!({})));
    req.lang = "en".into();
    let en = s.client.roster(req).await.unwrap().into_inner();
    assert_eq!(as_message(Lang::En), en);
    assert_ne!(en, r);
    let contract = |r: &pb::RosterResponse| {
        let x = r.entries[0].rules.iter().find(|x| x.name == "contract");
        x.unwrap().detail.clone()
    };
    assert_eq!(
        (contract(&r).as_str(), contract(&en).as_str()),
        ("fixed_term accettato", "fixed_term accepted")
    );
    assert_eq!(ids(&en), ids(&r));

    // Employer view: no rule outcomes, no congruity.
    let mut req = roster_req(vacancy_msg(serde_json::json!({})));
    req.view = "employer".into();
    let e = s.client.roster(req).await.unwrap().into_inner();
    assert_eq!(ids(&e), ids(&r));
    assert!(e
        .entries
        .iter()
        .all(|x| x.rules.is_empty() && x.congruity.is_none()));
}

#[tokio::test]
async fn roster_batch_streams_in_input_order() {
    let mut s = start().await;
    let vacancies = vec![
        vacancy_msg(serde_json::json!({"id": "B3", "roster_size": 2})),
        vacancy_msg(serde_json::json!({"id": "B1", "roster_size": 3})),
        vacancy_msg(serde_json::json!({"id": "B2"})),
    ];
    let mut stream = s
        .client
        .roster_batch(RosterBatchRequest {
            vacancies,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut got = Vec::new();
    while let Some(r) = stream.message().await.unwrap() {
        got.push((r.vacancy_id.clone(), r.entries.len()));
    }
    assert_eq!(
        got,
        [
            ("B3".to_string(), 2),
            ("B1".to_string(), 3),
            ("B2".to_string(), 6)
        ]
    );
}

#[tokio::test]
async fn explain_and_offers_answer_for_a_known_person_and_not_found_otherwise() {
    let mut s = start().await;
    let e = s
        .client
        .explain(ExplainRequest {
            vacancy: Some(vacancy_msg(serde_json::json!({}))),
            candidate_id: "C003".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(e.eligible);
    assert_eq!(e.rank, Some(3));
    assert_eq!(e.eligible_count, 6);
    let shifts = |e: &pb::Explanation| {
        let x = e.rules.iter().find(|x| x.name == "shifts");
        x.unwrap().detail.clone()
    };
    assert_eq!(shifts(&e), "lavoro a turni accettato");
    let en = s
        .client
        .explain(ExplainRequest {
            vacancy: Some(vacancy_msg(serde_json::json!({}))),
            candidate_id: "C003".into(),
            lang: "en".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shifts(&en), "shift work accepted");

    let err = s
        .client
        .explain(ExplainRequest {
            vacancy: Some(vacancy_msg(serde_json::json!({}))),
            candidate_id: "NOBODY".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");

    let o = s
        .client
        .offers(OffersRequest {
            candidate_id: "C001".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.eligible, 1);
    assert_eq!(o.offers[0].vacancy_id, "V001");
}

#[tokio::test]
async fn upsert_remove_and_outcome_are_visible_to_the_next_roster() {
    let mut s = start().await;
    let before = fixture_roster(&mut s.client).await;

    // A new person like C001 with an earlier DID: first on the tie-break.
    let mut c: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(fixture("candidates.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    c["id"] = "C100".into();
    c["did_date"] = "2025-01-01".into();
    let c: Candidate = serde_json::from_value(c).unwrap();
    let commit = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![c]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(commit.index_generation, before.index_generation + 1);
    assert_eq!(commit.records, 1);
    let after = fixture_roster(&mut s.client).await;
    assert_eq!(after.index_generation, commit.index_generation);
    assert_eq!(ids(&after)[..2], ["C100", "C001"]);

    let commit = s
        .client
        .remove_candidates(RemoveRequest {
            ids: vec!["C001".into()],
        })
        .await
        .unwrap()
        .into_inner();
    let commit = s
        .client
        .record_outcome(OutcomeRequest {
            vacancy_id: "V001".into(),
            candidate_id: "C100".into(),
            result: "hired".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .index_generation
        .max(commit.index_generation);
    let last = fixture_roster(&mut s.client).await;
    assert_eq!(last.index_generation, commit);
    assert_eq!(ids(&last), ["C005", "C003", "C004", "C013", "C002"]);
    assert_eq!(last.pool, 12, "C001 removed, C100 hired, of 14");
}

#[tokio::test]
async fn a_due_snapshot_is_written_in_the_background_and_used_by_the_next_open() {
    let mut s = start().await;
    let dir = s._tmp.path().join("idx");
    // Two new people on 13: the commits since the snapshot hold more than a
    // tenth of the rows.
    let lines = std::fs::read_to_string(fixture("candidates.jsonl")).unwrap();
    let new: Vec<Candidate> = lines
        .lines()
        .take(2)
        .enumerate()
        .map(|(i, l)| {
            let mut c: serde_json::Value = serde_json::from_str(l).unwrap();
            c["id"] = format!("C20{i}").into();
            serde_json::from_value(c).unwrap()
        })
        .collect();
    let commit = s
        .client
        .upsert_candidates(tokio_stream::iter(new))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(commit.index_generation, 2);
    let first = fixture_roster(&mut s.client).await;
    let snapshot = dir.join("snapshots").join("g000002.bin");
    for _ in 0..200 {
        if snapshot.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(snapshot.exists(), "no snapshot of generation 2");
    let later = fixture_roster(&mut s.client).await;
    assert_eq!(ids(&first), ids(&later));
    assert_eq!(first.entries, later.entries);
    let opened = rosa::index::Index::open(&dir).unwrap();
    assert!(
        opened
            .snapshot_note()
            .starts_with("opened from snapshot g000002 (2 of 2 commits)"),
        "{}",
        opened.snapshot_note()
    );
}

#[tokio::test]
async fn bad_requests_are_invalid_argument_naming_the_field() {
    let mut s = start().await;
    let cases: Vec<(RosterRequest, &str)> = vec![
        (
            roster_req(vacancy_msg(serde_json::json!({"education_eqf_min": 9}))),
            "education_eqf_min",
        ),
        (
            roster_req(vacancy_msg(serde_json::json!({"workplace": "999999"}))),
            "workplace",
        ),
        (
            roster_req(vacancy_msg(serde_json::json!({"mode": "lottery"}))),
            "mode",
        ),
        (RosterRequest::default(), "vacancy"),
        (
            RosterRequest {
                view: "public".into(),
                ..roster_req(vacancy_msg(serde_json::json!({})))
            },
            "view",
        ),
        (
            RosterRequest {
                policy_toml: "[weights]\nskills = 2.0\n".into(),
                ..roster_req(vacancy_msg(serde_json::json!({})))
            },
            "weights",
        ),
        (
            RosterRequest {
                lang: "fr".into(),
                ..roster_req(vacancy_msg(serde_json::json!({})))
            },
            "lang",
        ),
    ];
    for (req, field) in cases {
        let err = s.client.roster(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert!(err.message().contains(field), "{field}: {}", err.message());
    }

    // One bad record in an upsert stream rejects it all and changes nothing.
    let good: Candidate = serde_json::from_str(
        std::fs::read_to_string(fixture("candidates.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let bad = Candidate {
        id: "C200".into(),
        education_eqf: Some(12),
        ..good.clone()
    };
    let err = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![good, bad]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("C200") && err.message().contains("education_eqf"),
        "{}",
        err.message()
    );
    let r = fixture_roster(&mut s.client).await;
    assert_eq!(r.index_generation, 1, "nothing committed");

    let err = s
        .client
        .record_outcome(OutcomeRequest {
            vacancy_id: "V001".into(),
            candidate_id: "C001".into(),
            result: "promoted".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("result"));
}

#[tokio::test]
async fn health_says_serving_and_shutdown_is_graceful() {
    let mut s = start().await;
    let channel = Channel::from_shared(format!("http://{}", s.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
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

    // A call in flight when shutdown starts still completes.
    let mut client = s.client.clone();
    let call = tokio::spawn(async move {
        client
            .roster(roster_req(vacancy_msg(serde_json::json!({}))))
            .await
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.stop.take().unwrap().send(()).unwrap();
    let r = call.await.unwrap().unwrap().into_inner();
    assert_eq!(r.entries.len(), 6);
    tokio::time::timeout(Duration::from_secs(10), s.handle)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn upsert_accepts_cliclavoro_candidatura_documents() {
    let mut s = start().await;
    let xml = std::fs::read_to_string(fixture("cliclavoro/candidatura_full.xml")).unwrap();
    let doc = Candidate {
        cliclavoro_xml: Some(xml.clone()),
        ..Default::default()
    };
    let commit = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![doc]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(commit.records, 1);
    assert_eq!(commit.index_generation, 2);
    // The imported person is in the index: offers answer for the ClicLavoro id.
    let o = s
        .client
        .offers(OffersRequest {
            candidate_id: "CL00000000000000000000001".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.candidate_id, "CL00000000000000000000001");

    // A bad document: INVALID_ARGUMENT naming the element path; nothing committed.
    let bad = Candidate {
        cliclavoro_xml: Some(xml.replacen(
            "<cl:idlivelloparlato>A2</cl:idlivelloparlato>",
            "<cl:idlivelloparlato>D7</cl:idlivelloparlato>",
            1,
        )),
        ..Default::default()
    };
    let err = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![bad]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message()
            .contains("/Candidatura/DatiCurriculari/Lingue[2]/idlivelloparlato"),
        "{}",
        err.message()
    );
    // XML and fields together are refused.
    let mixed = Candidate {
        id: "C300".into(),
        cliclavoro_xml: Some(xml),
        ..Default::default()
    };
    let err = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![mixed]))
        .await
        .unwrap_err();
    assert!(err.message().contains("must be unset"), "{}", err.message());
    let r = fixture_roster(&mut s.client).await;
    assert_eq!(
        r.index_generation, 2,
        "nothing committed by the bad streams"
    );
}
