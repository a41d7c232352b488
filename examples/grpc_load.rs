//! A bounded load test of `rosa serve` on loopback: a fixed number of concurrent
//! clients, each sending a fixed number of `Roster` calls, then a report of
//! rosters/s and latency percentiles. Exits 1 if any request failed.
//!
//! Run: `cargo run --release --example grpc_load -- [CANDIDATES] [CLIENTS] [REQUESTS_PER_CLIENT]`
//! (defaults 100000 8 100). The server runs in this process on 127.0.0.1, over
//! an index built from `rosa gen` data in a temporary directory.

use std::time::{Duration, Instant};

use rosa::date::Date;
use rosa::gen::{generate, GenConfig};
use rosa::grpc::pb::rosa_client::RosaClient;
use rosa::grpc::pb::{RosterRequest, Vacancy};
use rosa::grpc::ServeConfig;
use rosa::{Engine, Policy};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The allocator of `rosa serve`, so that the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (candidates, clients, requests) = (arg(1, 100_000), arg(2, 8), arg(3, 100));
    let as_of = Date::parse("2026-11-01").expect("date");
    let data = generate(&GenConfig {
        candidates,
        vacancies: 200,
        seed: 42,
        as_of,
    });
    let tmp = tempfile::tempdir()?;
    let engine = Engine::build(&tmp.path().join("idx"), data.candidates, Vec::new())?;
    // The vacancies as messages: the JSON record read back as the protobuf message.
    let vacancies: Vec<Vacancy> = data
        .vacancies
        .iter()
        .map(|v| serde_json::from_value(serde_json::to_value(v).expect("json")).expect("message"))
        .collect();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServeConfig {
        listen: addr,
        timeout: Duration::from_secs(30),
        policy: Policy {
            as_of: Some(as_of),
            ..Policy::default()
        },
    };
    let server = tokio::spawn(rosa::grpc::serve_on(engine, config, listener, async {
        let _ = stopped.await;
    }));

    println!(
        "grpc_load: {candidates} candidates, {clients} clients x {requests} Roster calls on {addr}"
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let vacancies = vacancies.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = RosaClient::connect(format!("http://{addr}")).await?;
            let mut lat = Vec::with_capacity(requests);
            let mut failed = 0usize;
            for r in 0..requests {
                let v = vacancies[(c * requests + r) % vacancies.len()].clone();
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
    let (mut lat, mut failed) = (Vec::new(), 0usize);
    for t in tasks {
        let (l, f) = t.await??;
        lat.extend(l);
        failed += f;
    }
    let wall = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;

    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
    println!(
        "  {} rosters in {wall:.2} s: {:.1} rosters/s",
        lat.len(),
        lat.len() as f64 / wall
    );
    println!(
        "  latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    );
    println!("  failed requests: {failed}");
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
