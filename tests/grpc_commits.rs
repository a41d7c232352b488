//! Commits over gRPC (issues 15 and 16): an upsert stream commits only on a
//! clean half-close, never when the call is cancelled; bad candidates can be
//! set aside and listed; the server follows commits made by other processes.
#![cfg(feature = "grpc")]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::fixture;
use rosa::grpc::pb::rosa_client::RosaClient;
use rosa::grpc::pb::{self, Candidate, RosterRequest, UpsertOptions, Vacancy};
use rosa::grpc::ServeConfig;
use rosa::model::{parse_record, CandidateRecord};
use rosa::{Engine, Policy};
use tonic::transport::Channel;
use tonic::Code;

fn lines() -> Vec<serde_json::Value> {
    std::fs::read_to_string(fixture("candidates.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn candidates() -> Vec<CandidateRecord> {
    lines()
        .iter()
        .enumerate()
        .map(|(i, l)| parse_record(&l.to_string(), "candidates.jsonl", i + 1).unwrap())
        .collect()
}

/// A candidate message: the first fixture person under a new id.
fn candidate_msg(id: &str) -> Candidate {
    let mut v = lines()[0].clone();
    v["id"] = id.into();
    serde_json::from_value(v).unwrap()
}

fn vacancy() -> Vacancy {
    serde_json::from_str(&std::fs::read_to_string(fixture("vacancy.json")).unwrap()).unwrap()
}

struct Server {
    client: RosaClient<Channel>,
    dir: PathBuf,
    _stop: tokio::sync::oneshot::Sender<()>,
    _tmp: tempfile::TempDir,
}

async fn start() -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    let engine = Engine::build(&dir, candidates(), Vec::new()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServeConfig {
        listen: addr,
        timeout: Duration::from_secs(30),
        policy: Policy::from_file(&fixture("policy.toml")).unwrap(),
    };
    tokio::spawn(rosa::grpc::serve_on(engine, config, listener, async {
        let _ = stopped.await;
    }));
    let client = RosaClient::connect(format!("http://{addr}")).await.unwrap();
    Server {
        client,
        dir,
        _stop: stop,
        _tmp: tmp,
    }
}

async fn generation(client: &mut RosaClient<Channel>) -> u64 {
    client
        .roster(RosterRequest {
            vacancy: Some(vacancy()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .index_generation
}

fn committed(dir: &Path) -> (u64, u64) {
    let verify = rosa::audit::verify(dir).unwrap();
    assert!(verify.ok, "{verify:?}");
    (verify.committed_generation.unwrap(), verify.commits)
}

#[tokio::test]
async fn a_stream_cancelled_before_its_end_commits_nothing() {
    let mut s = start().await;
    let before = committed(&s.dir);
    let (tx, rx) = tokio::sync::mpsc::channel::<Candidate>(64);
    for i in 0..50 {
        tx.send(candidate_msg(&format!("X{i:03}"))).await.unwrap();
    }
    let mut client = s.client.clone();
    let call = tokio::spawn(async move {
        client
            .upsert_candidates(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The client gives up: the call is dropped with the stream still open.
    call.abort();
    let _ = call.await;
    drop(tx);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(committed(&s.dir), before);
    assert_eq!(generation(&mut s.client).await, before.0);
}

#[tokio::test]
async fn a_stream_cancelled_while_its_commit_waits_commits_nothing() {
    let mut s = start().await;
    let before = committed(&s.dir);
    // Another writer holds the index: the stream's commit has to wait.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(s.dir.join("LOCK"))
        .unwrap();
    lock.lock().unwrap();
    let mut client = s.client.clone();
    let msgs: Vec<Candidate> = (0..50)
        .map(|i| candidate_msg(&format!("Y{i:03}")))
        .collect();
    // The whole stream is sent and half-closed cleanly...
    let call =
        tokio::spawn(async move { client.upsert_candidates(tokio_stream::iter(msgs)).await });
    tokio::time::sleep(Duration::from_millis(700)).await;
    // ...then the client cancels while the server waits for the lock.
    call.abort();
    let _ = call.await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    lock.unlock().unwrap();
    // Give the server's commit time to go on and stop at its check.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(committed(&s.dir), before);
    assert_eq!(generation(&mut s.client).await, before.0);
    let names: Vec<String> = std::fs::read_dir(s.dir.join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.len() as u64,
        before.0,
        "a leftover manifest: {names:?}"
    );

    // A stream that ends cleanly commits, once, with its record.
    let msgs: Vec<Candidate> = (0..3).map(|i| candidate_msg(&format!("Z{i:03}"))).collect();
    let commit = s
        .client
        .upsert_candidates(tokio_stream::iter(msgs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(commit.index_generation, before.0 + 1);
    assert_eq!(committed(&s.dir), (before.0 + 1, before.1 + 1));
}

#[tokio::test]
async fn bad_candidates_are_set_aside_and_listed_when_the_stream_asks() {
    let mut s = start().await;
    let mut bad_km = candidate_msg("B002");
    bad_km.availability.as_mut().unwrap().max_km = 900;
    let mut bad_comune = candidate_msg("B004");
    bad_comune.domicile = "999999".into();
    let options = Candidate {
        upsert_options: Some(UpsertOptions {
            set_aside_rejects: true,
        }),
        ..Default::default()
    };
    let msgs = vec![
        options,
        candidate_msg("B001"),
        bad_km.clone(),
        candidate_msg("B003"),
        bad_comune,
        candidate_msg("B001"), // duplicate of message 2
    ];
    let commit = s
        .client
        .upsert_candidates(tokio_stream::iter(msgs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(commit.records, 2);
    assert_eq!(commit.rejected, 3);
    let listed: Vec<(u64, Option<&str>, &str)> = commit
        .rejects
        .iter()
        .map(|r| (r.message, r.id.as_deref(), r.errors[0].field.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (3, Some("B002"), "availability.max_km"),
            (5, Some("B004"), "domicile"),
            (6, Some("B001"), "id"),
        ]
    );
    assert_eq!(generation(&mut s.client).await, commit.index_generation);
    let index = rosa::index::Index::open(&s.dir).unwrap();
    assert!(index.row_of("B001").is_some() && index.row_of("B003").is_some());
    assert!(index.row_of("B002").is_none() && index.row_of("B004").is_none());

    // Without the option, one bad candidate rejects the stream: nothing committed.
    let before = committed(&s.dir);
    let err = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![candidate_msg("B010"), bad_km]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("availability.max_km"), "{err:?}");
    assert_eq!(committed(&s.dir), before);
}

#[tokio::test]
async fn the_server_follows_a_commit_made_by_another_process() {
    let mut s = start().await;
    let g = generation(&mut s.client).await;
    // Another writer (as `rosa index upsert` would) commits to the directory.
    let mut other = Engine::open(&s.dir).unwrap();
    let mut rec = candidates().remove(0);
    rec.id = "F001".into();
    let g2 = other.upsert(vec![rec]).unwrap();
    assert_eq!(g2, g + 1);
    let mut seen = g;
    for _ in 0..100 {
        seen = generation(&mut s.client).await;
        if seen == g2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, g2, "the server never adopted generation {g2}");
    // Its own next commit starts from the adopted generation.
    let commit = s
        .client
        .upsert_candidates(tokio_stream::iter(vec![candidate_msg("F002")]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(commit.index_generation, g2 + 1);
    let index = rosa::index::Index::open(&s.dir).unwrap();
    assert!(index.row_of("F001").is_some() && index.row_of("F002").is_some());
    assert_eq!(committed(&s.dir).0, g2 + 1);
    let _ = pb::Commit::default();
}

/// `rosa serve` as its own process on a free port; killed when dropped.
struct ServeProcess {
    child: std::process::Child,
    addr: String,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_process(dir: &Path) -> ServeProcess {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rosa"))
        .args([
            "serve",
            "--index",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--policy",
            fixture("policy.toml").to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("rosa serve says where it listens")
            .unwrap();
        if let Some(at) = line
            .rsplit(" on ")
            .next()
            .filter(|_| line.contains("serving"))
        {
            break at.trim().to_string();
        }
    };
    // Keep draining stderr so that the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    ServeProcess { child, addr }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_upserting_at_once_while_a_server_answers_rosters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    Engine::build(&dir, candidates(), Vec::new()).unwrap();
    let server = serve_process(&dir);
    let mut client = RosaClient::connect(format!("http://{}", server.addr))
        .await
        .unwrap();

    // Three writers, three upserts each, all at once, while rosters are asked.
    let (writers, rounds) = (3, 3);
    let mut files = Vec::new();
    for w in 0..writers {
        for r in 0..rounds {
            let text: String = (0..5)
                .map(|i| {
                    let mut v = lines()[i % 13].clone();
                    v["id"] = format!("M{w}{r}{i}").into();
                    format!("{v}\n")
                })
                .collect();
            let f = tmp.path().join(format!("w{w}r{r}.jsonl"));
            std::fs::write(&f, text).unwrap();
            files.push((w, f));
        }
    }
    let dir2 = dir.clone();
    let writing = tokio::task::spawn_blocking(move || {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let mine: Vec<PathBuf> = files
                    .iter()
                    .filter(|(x, _)| *x == w)
                    .map(|(_, f)| f.clone())
                    .collect();
                let dir = dir2.clone();
                std::thread::spawn(move || {
                    for f in mine {
                        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rosa"))
                            .args([
                                "index",
                                "upsert",
                                "--index",
                                dir.to_str().unwrap(),
                                "--candidates",
                                f.to_str().unwrap(),
                            ])
                            .output()
                            .unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    let mut seen = Vec::new();
    while !writing.is_finished() {
        seen.push(generation(&mut client).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    writing.await.unwrap();
    // Generations seen by rosters never go back.
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");

    let last = 1 + (writers * rounds) as u64;
    let (g, commits) = committed(&dir);
    assert_eq!((g, commits), (last, last));
    let index = rosa::index::Index::open(&dir).unwrap();
    for w in 0..writers {
        for r in 0..rounds {
            for i in 0..5 {
                assert!(index.row_of(&format!("M{w}{r}{i}")).is_some());
            }
        }
    }
    // The server's last rosters are of the last generation.
    let mut g = 0;
    for _ in 0..100 {
        g = generation(&mut client).await;
        if g == last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(g, last);
    assert_eq!(generation(&mut client).await, last);
    // The audit chain, with the server's roster records interleaved, verifies.
    assert!(rosa::audit::verify(&dir).unwrap().ok);
}

#[tokio::test]
async fn a_stream_past_its_memory_bound_is_refused_and_commits_nothing() {
    let mut s = start().await;
    let before = committed(&s.dir);
    // Candidates of 60 KB of CV text each, past MAX_UPSERT_STREAM_BYTES in all.
    let n = rosa::grpc::MAX_UPSERT_STREAM_BYTES / 60_000 + 10;
    let msgs = (0..n).map(|i| {
        let mut c = candidate_msg(&format!("L{i:05}"));
        c.cv_text = "saldatore ".repeat(6_000);
        c
    });
    let err = s
        .client
        .upsert_candidates(tokio_stream::iter(msgs))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("MAX_UPSERT_STREAM_BYTES"), "{err:?}");
    assert_eq!(committed(&s.dir), before);
    assert_eq!(generation(&mut s.client).await, before.0);
}
