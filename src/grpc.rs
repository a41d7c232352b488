//! The gRPC adapter (`rosa serve`, service `rosa.v1.Rosa` of `proto/rosa.proto`).
//!
//! **API boundary.** This is the only module that knows protobuf and the network.
//! It only translates: a request message becomes the JSON record of DESIGN
//! section 3 and passes the same validation as a line of a `.jsonl` file; a
//! result of the core becomes the message with the same field names. No rule or
//! scoring logic lives here.
//!
//! Concurrency: queries share the engine under a read lock and run on tokio's
//! blocking pool (scoring uses rayon); commits (upsert, remove, outcome) take the
//! write lock, so every query sees one committed generation.

use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::index::OutcomeKind;
use crate::lang::Lang;
use crate::model::{parse_record, CandidateRecord, Record, VacancyRecord};
use crate::roster::View;
use crate::{Engine, Error, Policy};

/// The messages and the client and server stubs generated from `proto/rosa.proto`.
#[allow(missing_docs, clippy::all)]
pub mod pb {
    tonic::include_proto!("rosa.v1");
}

use pb::rosa_server::{Rosa, RosaServer};

pub mod auth;
mod numbers;

/// Largest request message, in bytes (a vacancy batch or one candidate).
pub const MAX_REQUEST_BYTES: usize = 4 << 20;
/// Largest number of vacancies in one `RosterBatch` request.
pub const MAX_BATCH: usize = 10_000;
/// Largest number of candidates in one `UpsertCandidates` stream.
pub const MAX_UPSERT: usize = 1_000_000;
/// Most candidate data one `UpsertCandidates` stream may hold until it ends,
/// in bytes of protobuf: past it the stream is refused with
/// `RESOURCE_EXHAUSTED` and nothing is committed (the server holds a stream
/// in memory until its clean end, so this bounds what one stream costs).
pub const MAX_UPSERT_STREAM_BYTES: usize = 64 << 20;
/// Most rejects listed in the answer of a stream that sets them aside (the
/// rest are counted in `Commit.rejected`).
pub const MAX_LISTED_REJECTS: usize = 1000;
/// How often `rosa serve` looks for a generation committed by another process.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(400);

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (loopback by default in the CLI).
    pub listen: SocketAddr,
    /// Time limit of one call; past it the call ends with an error.
    pub timeout: Duration,
    /// Policy used when a request carries none.
    pub policy: Policy,
}

/// The service: the engine behind a lock, and the default policy.
pub struct Service {
    engine: Arc<RwLock<Engine>>,
    policy: Policy,
    /// A snapshot is being written in the background.
    snapshotting: Arc<std::sync::atomic::AtomicBool>,
}

impl Service {
    /// A service over an opened engine.
    /// Commits leave due snapshots to the service, which writes them in the
    /// background under the read lock, so that queries go on meanwhile.
    pub fn new(mut engine: Engine, policy: Policy) -> Service {
        engine.defer_snapshots();
        Service {
            engine: Arc::new(RwLock::new(engine)),
            policy,
            snapshotting: Arc::default(),
        }
    }

    fn policy(&self, toml: &str) -> Result<Policy, Status> {
        if toml.trim().is_empty() {
            Ok(self.policy.clone())
        } else {
            Policy::from_toml(toml).map_err(status)
        }
    }

    /// Runs `f` on the blocking pool with the engine read-locked.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        let engine = Arc::clone(&self.engine);
        tokio::task::spawn_blocking(move || {
            let e = engine
                .read()
                .map_err(|_| Status::internal("engine lock poisoned"))?;
            f(&e)
        })
        .await
        .map_err(|e| Status::internal(format!("query task failed: {e}")))?
    }

    /// Runs `f` on the blocking pool with the engine write-locked.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Engine) -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        let engine = Arc::clone(&self.engine);
        let (out, due) = tokio::task::spawn_blocking(move || {
            let mut e = engine
                .write()
                .map_err(|_| Status::internal("engine lock poisoned"))?;
            let out = f(&mut e)?;
            Ok::<_, Status>((out, e.index().snapshot_due()))
        })
        .await
        .map_err(|e| Status::internal(format!("commit task failed: {e}")))??;
        if due {
            self.write_snapshot();
        }
        Ok(out)
    }

    /// Writes the snapshot a commit made due in the background, one at a time
    /// (due is checked again: a commit may have come between): the file under
    /// the read lock (queries are answered meanwhile; a commit waits, and so do
    /// the queries behind it), then adopted under a short write lock. A
    /// snapshot is a cache: a failure only leaves the next open slower, and
    /// `snapshot_note` says why.
    fn write_snapshot(&self) {
        use std::sync::atomic::Ordering;
        if self.snapshotting.swap(true, Ordering::AcqRel) {
            return;
        }
        let (engine, busy) = (Arc::clone(&self.engine), Arc::clone(&self.snapshotting));
        tokio::task::spawn_blocking(move || {
            let written = match engine.read() {
                Ok(e) if e.index().snapshot_due() => e.index().write_snapshot_file(),
                _ => None,
            };
            if let (Some(w), Ok(mut e)) = (written, engine.write()) {
                e.adopt_snapshot(w);
            }
            busy.store(false, Ordering::Release);
        });
    }
}

/// Follows commits made by other processes (a CLI `index upsert`, another
/// server): every [`FOLLOW_EVERY`], looks at `CURRENT` and `manifests/`; when
/// they changed and the committed generation is newer than the engine's, opens
/// it in the background (queries go on on the old one) and adopts it under a
/// short write lock. Ends when the service is gone.
async fn follow(engine: std::sync::Weak<RwLock<Engine>>) {
    let Some(dir) = engine.upgrade().and_then(|e| {
        e.read()
            .ok()
            .and_then(|e| e.index().dir().map(|d| d.to_path_buf()))
    }) else {
        return;
    };
    let stamp = move |dir: &std::path::Path| {
        let meta = |p: std::path::PathBuf| {
            std::fs::metadata(p).ok().map(|m| {
                use std::os::unix::fs::MetadataExt;
                (m.ino(), m.len(), m.mtime(), m.mtime_nsec())
            })
        };
        (meta(dir.join("CURRENT")), meta(dir.join("manifests")))
    };
    let mut seen = stamp(&dir);
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let Some(strong) = engine.upgrade() else {
            return;
        };
        let now = stamp(&dir);
        if now == seen {
            continue;
        }
        let dir2 = dir.clone();
        let adopted = tokio::task::spawn_blocking(move || {
            let mine = strong.read().map(|e| e.index().generation()).unwrap_or(0);
            let (m, _) = crate::index::committed_manifest(&dir2)?;
            if m.generation <= mine {
                return Ok::<bool, Error>(true);
            }
            let newer = crate::index::Index::open(&dir2)?;
            if let Ok(mut e) = strong.write() {
                e.adopt(newer);
            }
            Ok(true)
        })
        .await;
        // On an error (a commit under way, a damaged file) look again next time.
        if matches!(adopted, Ok(Ok(true))) {
            seen = now;
        }
    }
}

/// Maps an engine error to a gRPC status: bad input is `INVALID_ARGUMENT`, an
/// unknown candidate `NOT_FOUND`, anything else `INTERNAL`.
pub fn status(e: Error) -> Status {
    match &e {
        Error::NotFound(m) => Status::not_found(m.clone()),
        Error::Cancelled => Status::cancelled(e.to_string()),
        Error::Locked { .. } => Status::unavailable(e.to_string()),
        _ if e.is_user_error() => Status::invalid_argument(e.to_string()),
        _ => Status::internal(e.to_string()),
    }
}

/// Removes JSON nulls (an unset optional field) and, for `applicants`, an empty
/// list, so that the record's own defaults apply exactly as for an omitted field.
fn strip_unset(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, x| {
                !(x.is_null() || (k == "applicants" && x.as_array().is_some_and(|a| a.is_empty())))
            });
            map.values_mut().for_each(strip_unset);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_unset),
        _ => {}
    }
}

/// A request message to a validated record of the core. `what` and `n` name the
/// message in errors the way a file and a line do (`Roster.vacancy:0: V1: ...`).
fn record<M: Serialize + numbers::Doubles, R: Record>(
    msg: &M,
    what: &str,
    n: usize,
) -> Result<R, Status> {
    parse_message(msg, what, n).map_err(|errors| {
        let shown: Vec<String> = errors.iter().take(20).map(|e| e.to_string()).collect();
        Status::invalid_argument(shown.join("; "))
    })
}

/// A candidate sent as a ClicLavoro *Candidatura* document (`cliclavoro_xml`), imported
/// like `rosa import candidatura` (without occupation labels: ISCO major groups only).
/// Errors name the message and the element path.
fn cliclavoro_candidate(
    msg: &pb::Candidate,
    xml: &str,
    n: usize,
) -> Result<CandidateRecord, Vec<crate::FieldError>> {
    static IMPORTER: std::sync::OnceLock<crate::import::Importer> = std::sync::OnceLock::new();
    let alone = pb::Candidate {
        cliclavoro_xml: msg.cliclavoro_xml.clone(),
        ..Default::default()
    };
    if *msg != alone {
        return Err(vec![crate::FieldError::new(
            "cliclavoro_xml",
            "the other fields of the message must be unset",
        )
        .at("UpsertCandidates", n, "-")]);
    }
    let file = format!("UpsertCandidates:{n}.cliclavoro_xml");
    IMPORTER
        .get_or_init(crate::import::Importer::default)
        .candidatura(xml.as_bytes(), &file)
        .map(|imported| imported.record)
}

/// [`record`], with the field errors themselves.
fn parse_message<M: Serialize + numbers::Doubles, R: Record>(
    msg: &M,
    what: &str,
    n: usize,
) -> Result<R, Vec<crate::FieldError>> {
    // JSON has no NaN: check the doubles before they become `null`.
    let non_finite = numbers::non_finite(msg, what, n);
    if !non_finite.is_empty() {
        return Err(non_finite);
    }
    let mut v = serde_json::to_value(msg)
        .map_err(|e| vec![crate::FieldError::new("-", e.to_string()).at(what, n, "-")])?;
    strip_unset(&mut v);
    parse_record(&v.to_string(), what, n)
}

/// Marks a call as gone when its future is dropped before it is disarmed: the
/// client cancelled, closed its channel, or the deadline or the server's
/// timeout ended the call. A commit under way then stops before its point of
/// no return.
struct CancelOnDrop {
    flag: Arc<std::sync::atomic::AtomicBool>,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.flag.store(true, std::sync::atomic::Ordering::Release);
        }
    }
}

fn vacancy(msg: Option<pb::Vacancy>, what: &str, n: usize) -> Result<VacancyRecord, Status> {
    let msg = msg.ok_or_else(|| Status::invalid_argument(format!("{what}: vacancy: missing")))?;
    record(&msg, what, n)
}

/// A result of the core to the message with the same field names, its texts in
/// `lang`. Through the compact JSON bytes rather than a `serde_json::Value`
/// tree: a roster converts in about 60% of the time (no map per object, no key
/// strings).
fn message<T: Serialize, M: DeserializeOwned>(value: &T, lang: Lang) -> Result<M, Status> {
    let bytes = crate::lang::with(lang, || serde_json::to_vec(value))
        .map_err(|e| Status::internal(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| Status::internal(format!("to protobuf: {e}")))
}

/// The view of a roster: the caller's role decides; the request's `view` may
/// only narrow an operator's view to the employer's.
fn view(role: auth::Role, s: &str) -> Result<View, Status> {
    use auth::Role;
    match (role, s) {
        (Role::Operator, "" | "operator") => Ok(View::Operator),
        (Role::Operator | Role::Employer, "employer") | (Role::Employer, "") => Ok(View::Employer),
        (_, "" | "operator") => Err(Status::permission_denied(format!(
            "view: the {} role may not see the operator view",
            role.as_str()
        ))),
        (_, other) => Err(Status::invalid_argument(format!(
            "view: must be operator or employer, got {:?}",
            crate::error::clip(other.to_string(), 100)
        ))),
    }
}

/// The language of a request's `lang` field ("" or "it": Italian, "en": English).
fn lang(s: &str) -> Result<Lang, Status> {
    Lang::parse(s).ok_or_else(|| {
        Status::invalid_argument(format!(
            "lang: must be it or en, got {:?}",
            crate::error::clip(s.to_string(), 100)
        ))
    })
}

fn nonempty<'a>(field: &str, s: &'a str) -> Result<&'a str, Status> {
    if s.is_empty() {
        Err(Status::invalid_argument(format!("{field}: missing")))
    } else {
        Ok(s)
    }
}

type RosterStream = Pin<Box<dyn Stream<Item = Result<pb::RosterResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Rosa for Service {
    async fn roster(
        &self,
        req: Request<pb::RosterRequest>,
    ) -> Result<Response<pb::RosterResponse>, Status> {
        let role = auth::role(&req);
        let req = req.into_inner();
        let v = vacancy(req.vacancy, "Roster.vacancy", 0)?;
        let (view, policy) = (view(role, &req.view)?, self.policy(&req.policy_toml)?);
        let lang = lang(&req.lang)?;
        let roster = self
            .read(move |e| e.roster(&v, &policy).map_err(status))
            .await?;
        Ok(Response::new(message(&roster.for_view(view), lang)?))
    }

    type RosterBatchStream = RosterStream;

    async fn roster_batch(
        &self,
        req: Request<pb::RosterBatchRequest>,
    ) -> Result<Response<RosterStream>, Status> {
        let role = auth::role(&req);
        let req = req.into_inner();
        if req.vacancies.len() > MAX_BATCH {
            return Err(Status::invalid_argument(format!(
                "vacancies: at most {MAX_BATCH} per request, got {}",
                req.vacancies.len()
            )));
        }
        // Validate every vacancy before answering anything.
        let vacancies = req
            .vacancies
            .into_iter()
            .enumerate()
            .map(|(i, v)| vacancy(Some(v), "RosterBatch.vacancies", i))
            .collect::<Result<Vec<_>, _>>()?;
        let (view, policy) = (view(role, &req.view)?, self.policy(&req.policy_toml)?);
        let lang = lang(&req.lang)?;
        let engine = Arc::clone(&self.engine);
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::task::spawn_blocking(move || {
            for v in vacancies {
                let item = match engine.read() {
                    Ok(e) => e
                        .roster(&v, &policy)
                        .map_err(status)
                        .and_then(|r| message(&r.for_view(view), lang)),
                    Err(_) => Err(Status::internal("engine lock poisoned")),
                };
                let stop = item.is_err();
                if tx.blocking_send(item).is_err() || stop {
                    break; // the client went away, or the stream ended with an error
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    async fn explain(
        &self,
        req: Request<pb::ExplainRequest>,
    ) -> Result<Response<pb::Explanation>, Status> {
        let req = req.into_inner();
        let v = vacancy(req.vacancy, "Explain.vacancy", 0)?;
        let id = nonempty("candidate_id", &req.candidate_id)?.to_string();
        let (policy, lang) = (self.policy(&req.policy_toml)?, lang(&req.lang)?);
        let e = self
            .read(move |e| e.explain(&v, &policy, &id).map_err(status))
            .await?;
        Ok(Response::new(message(&e, lang)?))
    }

    async fn offers(
        &self,
        req: Request<pb::OffersRequest>,
    ) -> Result<Response<pb::OffersResponse>, Status> {
        let req = req.into_inner();
        let id = nonempty("candidate_id", &req.candidate_id)?.to_string();
        let (policy, lang) = (self.policy(&req.policy_toml)?, lang(&req.lang)?);
        let o = self
            .read(move |e| e.offers(&policy, &id).map_err(status))
            .await?;
        Ok(Response::new(message(&o, lang)?))
    }

    async fn upsert_candidates(
        &self,
        req: Request<Streaming<pb::Candidate>>,
    ) -> Result<Response<pb::Commit>, Status> {
        use prost::Message;
        let mut stream = req.into_inner();
        let cancelled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut guard = CancelOnDrop {
            flag: Arc::clone(&cancelled),
            armed: true,
        };
        let mut records: Vec<CandidateRecord> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        let mut rejects: Vec<pb::Reject> = Vec::new();
        let mut rejected = 0u64;
        let mut ids = std::collections::HashMap::new();
        let mut set_aside = false;
        let (mut n, mut bytes) = (0usize, 0usize);
        // Only a clean half-close ends this loop: an error of the stream (a
        // reset, a deadline) returns with nothing committed.
        while let Some(msg) = stream.next().await {
            let mut msg = msg?;
            n += 1;
            bytes += msg.encoded_len();
            if n > MAX_UPSERT {
                return Err(Status::invalid_argument(format!(
                    "UpsertCandidates: at most {MAX_UPSERT} candidates per stream"
                )));
            }
            if bytes > MAX_UPSERT_STREAM_BYTES {
                return Err(Status::resource_exhausted(format!(
                    "UpsertCandidates: a stream holds at most {MAX_UPSERT_STREAM_BYTES} bytes of candidates \
                     (MAX_UPSERT_STREAM_BYTES); nothing was committed: split it into several streams"
                )));
            }
            if let Some(options) = msg.upsert_options.take() {
                if n != 1 {
                    return Err(Status::invalid_argument(format!(
                        "UpsertCandidates:{n}: upsert_options: allowed on the first message only"
                    )));
                }
                set_aside = options.set_aside_rejects;
                if msg == pb::Candidate::default() {
                    continue; // options only
                }
            }
            let parsed = match &msg.cliclavoro_xml {
                Some(xml) => cliclavoro_candidate(&msg, xml, n),
                None => parse_message::<_, CandidateRecord>(&msg, "UpsertCandidates", n),
            };
            let parsed = parsed.and_then(|r| match ids.insert(r.id.clone(), n) {
                Some(first) if set_aside => {
                    ids.insert(r.id.clone(), first);
                    Err(vec![crate::FieldError::new(
                        "id",
                        format!("duplicate id, first seen in message {first}"),
                    )
                    .at("UpsertCandidates", n, &r.id)])
                }
                _ => Ok(r),
            });
            match parsed {
                Ok(r) => records.push(r),
                Err(es) if set_aside => {
                    rejected += 1;
                    if rejects.len() < MAX_LISTED_REJECTS {
                        rejects.push(pb::Reject {
                            message: n as u64,
                            id: es.iter().map(|e| e.record_id.clone()).find(|id| id != "-"),
                            errors: es
                                .into_iter()
                                .map(|e| pb::RejectError {
                                    field: e.field,
                                    message: e.message,
                                })
                                .collect(),
                        });
                    }
                }
                Err(es) => {
                    if errors.len() < 20 {
                        errors.extend(es.iter().take(20).map(|e| e.to_string()));
                    }
                }
            }
        }
        if !errors.is_empty() {
            errors.truncate(20);
            return Err(Status::invalid_argument(errors.join("; ")));
        }
        if records.is_empty() {
            return Err(Status::invalid_argument(if rejected > 0 {
                format!("UpsertCandidates: no valid candidate to commit ({rejected} set aside)")
            } else {
                "UpsertCandidates: the stream had no candidates".to_string()
            }));
        }
        let count = records.len() as u64;
        let flag = Arc::clone(&cancelled);
        let g = self
            .write(move |e| e.upsert_unless(records, &flag).map_err(status))
            .await?;
        guard.armed = false;
        Ok(Response::new(pb::Commit {
            index_generation: g,
            records: count,
            rejects,
            rejected,
        }))
    }

    async fn remove_candidates(
        &self,
        req: Request<pb::RemoveRequest>,
    ) -> Result<Response<pb::Commit>, Status> {
        let ids = req.into_inner().ids;
        if ids.is_empty() {
            return Err(Status::invalid_argument("ids: missing"));
        }
        let count = ids.len() as u64;
        let g = self.write(move |e| e.remove(&ids).map_err(status)).await?;
        Ok(Response::new(pb::Commit {
            index_generation: g,
            records: count,
            ..Default::default()
        }))
    }

    async fn audit_verify(
        &self,
        _req: Request<pb::AuditVerifyRequest>,
    ) -> Result<Response<pb::AuditVerification>, Status> {
        Ok(Response::new(self.audit_verification().await?))
    }

    async fn record_outcome(
        &self,
        req: Request<pb::OutcomeRequest>,
    ) -> Result<Response<pb::Commit>, Status> {
        let req = req.into_inner();
        let vacancy_id = nonempty("vacancy_id", &req.vacancy_id)?.to_string();
        let candidate_id = nonempty("candidate_id", &req.candidate_id)?.to_string();
        let result: OutcomeKind = serde_json::from_value(serde_json::Value::String(req.result.clone()))
            .map_err(|_| {
                Status::invalid_argument(format!(
                    "result: must be contacted, interviewed, hired, rejected, declined or no_show, got {:?}",
                    req.result
                ))
            })?;
        let g = self
            .write(move |e| {
                e.record_outcome(&vacancy_id, &candidate_id, result)
                    .map_err(status)
            })
            .await?;
        Ok(Response::new(pb::Commit {
            index_generation: g,
            records: 1,
            ..Default::default()
        }))
    }
}

impl Service {
    /// `AuditVerify`: the audit log of the engine's directory, checked off the
    /// engine's lock (an index in memory has no log: ok, 0 records).
    async fn audit_verification(&self) -> Result<pb::AuditVerification, Status> {
        let dir = self
            .read(|e| Ok(e.index().dir().map(Path::to_path_buf)))
            .await?;
        let Some(dir) = dir else {
            return Ok(pb::AuditVerification {
                ok: true,
                ..Default::default()
            });
        };
        let v = tokio::task::spawn_blocking(move || crate::audit::verify(&dir))
            .await
            .map_err(|e| Status::internal(format!("audit task failed: {e}")))?
            .map_err(status)?;
        let (line, detail) = v
            .first_broken
            .map_or((None, String::new()), |(l, d)| (Some(l), d));
        Ok(pb::AuditVerification {
            ok: v.ok,
            records: v.records,
            first_broken_line: line,
            detail,
        })
    }
}

/// Serves `engine` until `shutdown` completes, then lets in-flight calls finish.
/// Every commit is durable when its call returns, so nothing is pending at exit.
pub async fn serve(
    engine: Engine,
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    serve_on(engine, config, listener, shutdown).await
}

/// Like [`serve`], on a listener already bound (tests bind port 0 and read it
/// back), without a config: every caller is the local operator, so the
/// listener must be on loopback ([`auth::Access::local`]).
pub async fn serve_on(
    engine: Engine,
    config: ServeConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    serve_with(engine, config, auth::Access::local(), listener, shutdown).await
}

/// Like [`serve_on`], with callers authenticated and bound to roles by
/// `access` (TLS, tokens, client certificates). Refuses a non-loopback
/// listener without TLS and authentication unless `access` is insecure.
pub async fn serve_with(
    engine: Engine,
    config: ServeConfig,
    access: auth::Access,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    access.check_listen(listener.local_addr()?)?;
    let tls = access.tls();
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<RosaServer<Service>>().await;
    let service = Service::new(engine, config.policy);
    tokio::spawn(follow(Arc::downgrade(&service.engine)));
    let rosa = RosaServer::new(service)
        .max_decoding_message_size(MAX_REQUEST_BYTES)
        .max_encoding_message_size(256 << 20);
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls)?;
    }
    builder
        .timeout(config.timeout)
        .concurrency_limit_per_connection(256)
        .layer(auth::GateLayer::new(access))
        .add_service(health_service)
        .add_service(rosa)
        .serve_with_incoming_shutdown(
            // No Nagle delay: a small answer must not wait for the client's ACK.
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await?;
    Ok(())
}
