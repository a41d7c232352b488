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
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::index::OutcomeKind;
use crate::model::{parse_record, CandidateRecord, Record, VacancyRecord};
use crate::roster::View;
use crate::{Engine, Error, Policy};

/// The messages and the client and server stubs generated from `proto/rosa.proto`.
#[allow(missing_docs, clippy::all)]
pub mod pb {
    tonic::include_proto!("rosa.v1");
}

use pb::rosa_server::{Rosa, RosaServer};

/// Largest request message, in bytes (a vacancy batch or one candidate).
pub const MAX_REQUEST_BYTES: usize = 4 << 20;
/// Largest number of vacancies in one `RosterBatch` request.
pub const MAX_BATCH: usize = 10_000;
/// Largest number of candidates in one `UpsertCandidates` stream.
pub const MAX_UPSERT: usize = 1_000_000;

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

/// Maps an engine error to a gRPC status: bad input is `INVALID_ARGUMENT`, an
/// unknown candidate `NOT_FOUND`, anything else `INTERNAL`.
pub fn status(e: Error) -> Status {
    match &e {
        Error::NotFound(m) => Status::not_found(m.clone()),
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
fn record<M: Serialize, R: Record>(msg: &M, what: &str, n: usize) -> Result<R, Status> {
    let mut v = serde_json::to_value(msg).map_err(|e| Status::internal(e.to_string()))?;
    strip_unset(&mut v);
    parse_record(&v.to_string(), what, n).map_err(|errors| {
        let shown: Vec<String> = errors.iter().take(20).map(|e| e.to_string()).collect();
        Status::invalid_argument(shown.join("; "))
    })
}

/// A candidate sent as a ClicLavoro *Candidatura* document (`cliclavoro_xml`), imported
/// like `rosa import candidatura` (without occupation labels: ISCO major groups only).
/// Errors name the message and the element path.
fn cliclavoro_candidate(msg: &pb::Candidate, xml: &str, n: usize) -> Result<CandidateRecord, Status> {
    static IMPORTER: std::sync::OnceLock<crate::import::Importer> = std::sync::OnceLock::new();
    let alone = pb::Candidate {
        cliclavoro_xml: msg.cliclavoro_xml.clone(),
        ..Default::default()
    };
    if *msg != alone {
        return Err(Status::invalid_argument(format!(
            "UpsertCandidates:{n}: cliclavoro_xml: the other fields of the message must be unset"
        )));
    }
    let file = format!("UpsertCandidates:{n}.cliclavoro_xml");
    IMPORTER
        .get_or_init(crate::import::Importer::default)
        .candidatura(xml.as_bytes(), &file)
        .map(|imported| imported.record)
        .map_err(|errors| {
            let shown: Vec<String> = errors.iter().take(20).map(|e| e.to_string()).collect();
            Status::invalid_argument(shown.join("; "))
        })
}

fn vacancy(msg: Option<pb::Vacancy>, what: &str, n: usize) -> Result<VacancyRecord, Status> {
    let msg = msg.ok_or_else(|| Status::invalid_argument(format!("{what}: vacancy: missing")))?;
    record(&msg, what, n)
}

/// A result of the core to the message with the same field names. Through the
/// compact JSON bytes rather than a `serde_json::Value` tree: a roster converts
/// in about 60% of the time (no map per object, no key strings).
fn message<T: Serialize, M: DeserializeOwned>(value: &T) -> Result<M, Status> {
    let bytes = serde_json::to_vec(value).map_err(|e| Status::internal(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| Status::internal(format!("to protobuf: {e}")))
}

fn view(s: &str) -> Result<View, Status> {
    match s {
        "" | "operator" => Ok(View::Operator),
        "employer" => Ok(View::Employer),
        other => Err(Status::invalid_argument(format!(
            "view: must be operator or employer, got {other:?}"
        ))),
    }
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
        let req = req.into_inner();
        let v = vacancy(req.vacancy, "Roster.vacancy", 0)?;
        let (view, policy) = (view(&req.view)?, self.policy(&req.policy_toml)?);
        let roster = self
            .read(move |e| e.roster(&v, &policy).map_err(status))
            .await?;
        Ok(Response::new(message(&roster.for_view(view))?))
    }

    type RosterBatchStream = RosterStream;

    async fn roster_batch(
        &self,
        req: Request<pb::RosterBatchRequest>,
    ) -> Result<Response<RosterStream>, Status> {
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
        let (view, policy) = (view(&req.view)?, self.policy(&req.policy_toml)?);
        let engine = Arc::clone(&self.engine);
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::task::spawn_blocking(move || {
            for v in vacancies {
                let item = match engine.read() {
                    Ok(e) => e
                        .roster(&v, &policy)
                        .map_err(status)
                        .and_then(|r| message(&r.for_view(view))),
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
        let policy = self.policy(&req.policy_toml)?;
        let e = self
            .read(move |e| e.explain(&v, &policy, &id).map_err(status))
            .await?;
        Ok(Response::new(message(&e)?))
    }

    async fn offers(
        &self,
        req: Request<pb::OffersRequest>,
    ) -> Result<Response<pb::OffersResponse>, Status> {
        let req = req.into_inner();
        let id = nonempty("candidate_id", &req.candidate_id)?.to_string();
        let policy = self.policy(&req.policy_toml)?;
        let o = self
            .read(move |e| e.offers(&policy, &id).map_err(status))
            .await?;
        Ok(Response::new(message(&o)?))
    }

    async fn upsert_candidates(
        &self,
        req: Request<Streaming<pb::Candidate>>,
    ) -> Result<Response<pb::Commit>, Status> {
        let mut stream = req.into_inner();
        let mut records: Vec<CandidateRecord> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        let mut n = 0usize;
        while let Some(msg) = stream.next().await {
            let msg = msg?;
            n += 1;
            if n > MAX_UPSERT {
                return Err(Status::invalid_argument(format!(
                    "UpsertCandidates: at most {MAX_UPSERT} candidates per stream"
                )));
            }
            let got = match &msg.cliclavoro_xml {
                Some(xml) => cliclavoro_candidate(&msg, xml, n),
                None => record(&msg, "UpsertCandidates", n),
            };
            match got {
                Ok(r) => records.push(r),
                Err(s) if errors.len() < 20 => errors.push(s.message().to_string()),
                Err(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(Status::invalid_argument(errors.join("; ")));
        }
        if records.is_empty() {
            return Err(Status::invalid_argument(
                "UpsertCandidates: the stream had no candidates",
            ));
        }
        let count = records.len() as u64;
        let g = self
            .write(move |e| e.upsert(records).map_err(status))
            .await?;
        Ok(Response::new(pb::Commit {
            index_generation: g,
            records: count,
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
        }))
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
        }))
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

/// Like [`serve`], on a listener already bound (tests bind port 0 and read it back).
pub async fn serve_on(
    engine: Engine,
    config: ServeConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<RosaServer<Service>>().await;
    let rosa = RosaServer::new(Service::new(engine, config.policy))
        .max_decoding_message_size(MAX_REQUEST_BYTES)
        .max_encoding_message_size(256 << 20);
    tonic::transport::Server::builder()
        .timeout(config.timeout)
        .concurrency_limit_per_connection(256)
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
