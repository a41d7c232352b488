//! A bounded load test of `rosa serve` on loopback, and what a call costs beyond
//! the roster. On an index built from `rosa gen` data in a temporary directory it
//! times the same sequence of vacancies three ways:
//!
//! 1. `rosa::roster::roster` in the process (the roster alone, no audit);
//! 2. `Engine::roster` (the roster plus its fsync'd audit record);
//! 3. `Roster` calls to the server, in this process on 127.0.0.1, by 1, 2 and 8
//!    concurrent clients (or the counts given).
//!
//! Every line makes REQUESTS × the largest client count calls (split evenly among
//! its clients), and prints p50/p95/p99 and rosters/s. Exits 1 if any request failed.
//!
//! Run: `cargo run --release --example grpc_load -- [CANDIDATES] [CLIENTS] [REQUESTS] [PROFILE]`
//! (defaults `100000 1,2,8 100 default`; PROFILE is `default` or `wide`).

use std::time::{Duration, Instant};

use rosa::date::Date;
use rosa::gen::{generate, GenConfig, Profile};
use rosa::grpc::pb::rosa_client::RosaClient;
use rosa::grpc::pb::{RosterRequest, Vacancy};
use rosa::grpc::ServeConfig;
use rosa::model::VacancyRecord;
use rosa::{Engine, Policy};

fn arg(i: usize) -> Option<String> {
    std::env::args().nth(i)
}

/// The allocator of `rosa serve`, so that the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn report(what: &str, mut lat: Vec<f64>, wall: f64) {
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
    println!(
        "  {what:<28} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  {:>7.1} rosters/s ({} in {wall:.2} s)",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        pct(1.0),
        lat.len() as f64 / wall,
        lat.len(),
    );
}

/// Times `f` over `n` vacancies of the sequence, one after the other.
fn sequential(
    n: usize,
    vacancies: &[VacancyRecord],
    mut f: impl FnMut(&VacancyRecord),
) -> (Vec<f64>, f64) {
    let started = Instant::now();
    let lat = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(&vacancies[i % vacancies.len()]);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    (lat, started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let candidates = arg(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let clients: Vec<usize> = arg(2)
        .unwrap_or_else(|| "1,2,8".into())
        .split(',')
        .filter_map(|c| c.parse().ok())
        .collect();
    let requests = arg(3).and_then(|a| a.parse().ok()).unwrap_or(100);
    let profile = arg(4)
        .map(|p| Profile::from_name(&p).expect("profile: default or wide"))
        .unwrap_or_default();
    let as_of = Date::parse("2026-11-01").expect("date");
    let policy = Policy {
        as_of: Some(as_of),
        ..Policy::default()
    };
    let data = generate(&GenConfig {
        candidates,
        vacancies: 200,
        seed: 42,
        as_of,
        profile,
    });
    let tmp = tempfile::tempdir()?;
    let engine = Engine::build(&tmp.path().join("idx"), data.candidates, Vec::new())?;
    // Scored vacancies only: a graduatoria over a whole list is another workload.
    let records: Vec<VacancyRecord> = data
        .vacancies
        .into_iter()
        .filter(|v| !v.mode.is_graduatoria())
        .collect();
    // The vacancies as messages: the JSON record read back as the protobuf message.
    let vacancies: Vec<Vacancy> = records
        .iter()
        .map(|v| serde_json::from_value(serde_json::to_value(v).expect("json")).expect("message"))
        .collect();
    let per_run = requests * clients.iter().max().copied().unwrap_or(1);
    println!(
        "grpc_load: profile {}, {candidates} candidates, {} vacancies in turn, {per_run} calls per line",
        profile.name(),
        records.len()
    );

    // Warm up, then the roster alone and the audited roster, one after the other.
    for v in &records {
        rosa::roster::roster(engine.index(), v, &policy)?;
    }
    let (lat, wall) = sequential(per_run, &records, |v| {
        rosa::roster::roster(engine.index(), v, &policy).expect("roster");
    });
    report("roster alone (library)", lat, wall);
    let (lat, wall) = sequential(per_run, &records, |v| {
        engine.roster(v, &policy).expect("roster");
    });
    report("audited roster (library)", lat, wall);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServeConfig {
        listen: addr,
        timeout: Duration::from_secs(30),
        policy,
    };
    let server = tokio::spawn(rosa::grpc::serve_on(engine, config, listener, async {
        let _ = stopped.await;
    }));

    let mut failed = 0usize;
    for &c in &clients {
        let requests = per_run / c;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..c {
            let vacancies = vacancies.clone();
            tasks.push(tokio::spawn(async move {
                let mut client = RosaClient::connect(format!("http://{addr}")).await?;
                let mut lat = Vec::with_capacity(requests);
                let mut failed = 0usize;
                for r in 0..requests {
                    let v = vacancies[(k * requests + r) % vacancies.len()].clone();
                    let t = Instant::now();
                    let ok = client
                        .roster(RosterRequest {
                            vacancy: Some(v),
                            ..Default::default()
                        })
                        .await
                        .is_ok_and(|r| r.get_ref().entries.len() <= r.get_ref().cap as usize);
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    failed += usize::from(!ok);
                }
                Ok::<_, tonic::transport::Error>((lat, failed))
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            let (l, f) = t.await??;
            lat.extend(l);
            failed += f;
        }
        let wall = started.elapsed().as_secs_f64();
        report(&format!("gRPC Roster, {c} client(s)"), lat, wall);
    }
    let _ = stop.send(());
    server.await??;

    println!("  failed requests: {failed}");
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
