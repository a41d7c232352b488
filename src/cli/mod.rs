//! Flags (clap), dispatch, exit codes. Exit codes: 0 ok, 2 bad input (the message
//! names file:line, id and field), 1 any other failure.

mod bench;
mod demo;
mod import;
mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
// JSON or ClicLavoro XML, chosen by content.
use import::{read_json, read_jsonl};
use rosa::model::{CandidateRecord, VacancyRecord};
use rosa::{Engine, Policy};

#[derive(Parser)]
#[command(
    name = "rosa",
    version,
    about = "Incrocio domanda/offerta: explained rosters of at most 15 candidates"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The official ESCO CSV download to use instead of the embedded skills: a zip as the
    /// ESCO portal publishes it, its unzipped folder, or a CSV file; repeat for the
    /// relations zip and other languages. An index must be queried with the taxonomy it
    /// was built with.
    #[arg(long, global = true, value_name = "PATH")]
    esco: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Main job on the embedded data: generates a sample, indexes it, prints rosters.
    Demo(DemoArgs),
    /// Writes synthetic, reproducible candidates.jsonl and vacancies.jsonl.
    Gen(GenArgs),
    /// Latency report: build, reopen, p50/p95/p99 overall and by eligible pool, batch
    /// rosters/s; on generated data of both profiles, or on --index DIR --vacancies FILE.
    Bench {
        /// Candidates to generate.
        #[arg(long, default_value_t = 100_000)]
        candidates: usize,
        /// Vacancies (rosters) to generate (default 200); with --index, the vacancies
        /// file to run (one JSON per line).
        #[arg(long)]
        vacancies: Option<String>,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Generator profile: default, wide, or all (both, one after the other).
        #[arg(long, default_value = "all")]
        profile: String,
        /// Keep the index in this directory instead of a temporary one (one profile).
        #[arg(long, conflicts_with = "index")]
        keep: Option<PathBuf>,
        /// Run on this existing index and --vacancies FILE, generating nothing.
        #[arg(long, requires = "vacancies")]
        index: Option<PathBuf>,
        /// Policy TOML of the rosters on --index (default: built-in).
        #[arg(long, requires = "index")]
        policy: Option<PathBuf>,
    },
    /// Builds and maintains an index.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Converts ClicLavoro XML (Candidatura, Ricerca personale Vacancy) to rosa's JSONL,
    /// with a report of what was left out.
    Import(import::ImportArgs),
    /// The roster of one vacancy (--vacancy) or of many (--vacancies, one JSON per line).
    Roster(RosterArgs),
    /// Why (not) one person: every rule, score, rank among the eligible, gap to the cutoff.
    Explain(ExplainArgs),
    /// Records what happened with a person for a vacancy (`hired` leaves the pool).
    Outcome {
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
        /// Vacancy id.
        #[arg(long)]
        vacancy: String,
        /// Candidate id.
        #[arg(long)]
        candidate: String,
        /// What happened.
        #[arg(long, value_enum)]
        result: OutcomeArg,
        #[command(flatten)]
        wait: WaitArg,
    },
    /// The audit log: verify its hash chain, or replay old rosters.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The open vacancies a person is eligible for, ranked, with congruity.
    Offers(OffersArgs),
    /// Ranking quality on generated labelled data: NDCG@15, P@15 and MRR of rosa,
    /// BM25 on the CV text alone and exact skill overlap (see `rosa::eval`).
    Eval(EvalArgs),
    /// Serves the gRPC service `rosa.v1.Rosa` (proto/rosa.proto) until SIGTERM or Ctrl-C.
    #[cfg(feature = "grpc")]
    Serve(ServeArgs),
}

#[cfg(feature = "grpc")]
#[derive(Args)]
struct ServeArgs {
    /// Index directory.
    #[arg(long)]
    index: PathBuf,
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:50051")]
    listen: std::net::SocketAddr,
    /// Policy TOML for requests that carry none (default: built-in).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Time limit of one call, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u64,
    /// Access config (TOML: [tls] cert, key, client_ca; [[clients]] name, role,
    /// token_sha256 / cert_sha256). Without it every caller is the operator,
    /// and only a loopback address is allowed.
    #[arg(long)]
    auth: Option<PathBuf>,
    /// Listen on a non-loopback address without TLS or client authentication
    /// (behind a proxy that provides both).
    #[arg(long)]
    insecure: bool,
}

#[derive(Args)]
struct ExplainArgs {
    /// Index directory.
    #[arg(long)]
    index: PathBuf,
    /// The vacancy (a JSON object).
    #[arg(long)]
    vacancy: PathBuf,
    /// Candidate id.
    #[arg(long)]
    candidate: String,
    /// Policy TOML (default: built-in).
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    lang: LangArg,
}

#[derive(Args)]
struct OffersArgs {
    /// Index directory (built with --vacancies).
    #[arg(long)]
    index: PathBuf,
    /// Candidate id.
    #[arg(long)]
    candidate: String,
    /// Policy TOML (default: built-in).
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    lang: LangArg,
}

#[derive(Args)]
struct EvalArgs {
    /// Candidates to generate.
    #[arg(long, default_value_t = 20_000)]
    candidates: usize,
    /// Vacancies to evaluate.
    #[arg(long, default_value_t = 30)]
    queries: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Vacancies of the ESCO-profile evaluation (with `--esco`).
    #[arg(long, default_value_t = 40)]
    anchors: usize,
    /// ISCO prefixes to draw the ESCO-profile evaluation's vacancies from (`25,35` for
    /// ICT); default every major group.
    #[arg(long, value_delimiter = ',')]
    groups: Vec<String>,
    /// Policy TOML to evaluate rosa with (default: built-in).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Args)]
struct DemoArgs {
    /// Candidates to generate.
    #[arg(long, default_value_t = 20_000)]
    candidates: usize,
    /// Vacancies to generate.
    #[arg(long, default_value_t = 200)]
    vacancies: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    lang: LangArg,
}

#[derive(Args)]
struct GenArgs {
    /// Number of candidates.
    #[arg(long)]
    candidates: usize,
    /// Number of vacancies.
    #[arg(long, default_value_t = 0)]
    vacancies: usize,
    /// Seed: the same seed and --as-of give byte-identical files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Reference date of the generated dates (default today).
    #[arg(long)]
    as_of: Option<String>,
    /// `default` (population over Italy, local reach) or `wide` (a few metropolitan
    /// areas, 50–80 km reach, half the vacancies without required skills).
    #[arg(long, default_value = "default", value_parser = parse_profile)]
    profile: rosa::gen::Profile,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

fn parse_profile(s: &str) -> std::result::Result<rosa::gen::Profile, String> {
    rosa::gen::Profile::from_name(s).ok_or_else(|| format!("must be default or wide, got {s:?}"))
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Validates the input and builds a new index generation in DIR.
    Build {
        /// Candidates, one JSON per line.
        #[arg(long)]
        candidates: PathBuf,
        /// Open vacancies, one JSON per line (for `rosa offers`).
        #[arg(long)]
        vacancies: Option<PathBuf>,
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
        /// Commit the valid candidate lines and write each bad one to this
        /// file (one JSON object per line: line, id, errors, raw) instead of
        /// rejecting the whole file.
        #[arg(long)]
        rejects: Option<PathBuf>,
        #[command(flatten)]
        wait: WaitArg,
    },
    /// Adds or replaces candidates without rebuilding (a new generation).
    Upsert {
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
        /// Candidates, one JSON per line.
        #[arg(long)]
        candidates: PathBuf,
        /// Commit the valid lines and write each bad one to this file (one
        /// JSON object per line: line, id, errors, raw) instead of rejecting
        /// the whole file.
        #[arg(long)]
        rejects: Option<PathBuf>,
        #[command(flatten)]
        wait: WaitArg,
    },
    /// Removes candidates by id (a new generation).
    Remove {
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
        /// Comma-separated ids.
        #[arg(long, value_delimiter = ',', required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        wait: WaitArg,
    },
}

/// How long a writer waits for another process's commit to the same index.
#[derive(Args, Clone, Copy)]
struct WaitArg {
    /// Seconds to wait for another process writing the index before giving up
    /// (exit 1).
    #[arg(long = "wait", value_name = "SECONDS", default_value_t = 60)]
    wait: u64,
}

impl WaitArg {
    fn writer_wait(self) -> rosa::index::lock::WriterWait {
        rosa::index::lock::WriterWait {
            wait: std::time::Duration::from_secs(self.wait),
            on_wait: Some(std::sync::Arc::new(move |holder: &str| {
                let holder = if holder.is_empty() {
                    "another process"
                } else {
                    holder
                };
                eprintln!(
                    "rosa: the index is being written by {holder}: waiting up to {} s",
                    self.wait
                );
            })),
        }
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Checks the append-only audit log's hash chain; exit 1 at the first broken record.
    Verify {
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
    },
    /// Cuts a torn or damaged end of the audit log back to its last verifiable
    /// record, saying what it dropped, and records again (as `recovered`) the
    /// committed generations whose records were cut.
    Repair {
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
    },
    /// Recomputes logged rosters on their generation and compares output hashes.
    Replay {
        /// Index directory.
        #[arg(long)]
        index: PathBuf,
        /// Only the record with this seq.
        #[arg(long)]
        seq: Option<u64>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
enum OutcomeArg {
    Contacted,
    Interviewed,
    Hired,
    Rejected,
    Declined,
    NoShow,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Json,
    Table,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ViewArg {
    Operator,
    Employer,
}

#[derive(Args)]
struct RosterArgs {
    /// Index directory.
    #[arg(long)]
    index: PathBuf,
    /// One vacancy (a JSON object).
    #[arg(
        long,
        conflicts_with = "vacancies",
        required_unless_present = "vacancies"
    )]
    vacancy: Option<PathBuf>,
    /// Many vacancies, one JSON per line: one roster per line, in input order.
    #[arg(long)]
    vacancies: Option<PathBuf>,
    /// Policy TOML (default: built-in).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Who will read the roster.
    #[arg(long, value_enum, default_value = "operator")]
    view: ViewArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    #[command(flatten)]
    lang: LangArg,
}

/// The language of the words of an output.
#[derive(Args, Clone, Copy)]
struct LangArg {
    /// Language of the `detail` texts and of the table view: `it` (Italian) or `en`
    /// (English). JSON keys, names, codes and numbers are the same in both.
    #[arg(long = "lang", value_enum, default_value = "it")]
    lang: LangValue,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LangValue {
    It,
    En,
}

impl LangArg {
    fn lang(self) -> rosa::lang::Lang {
        match self.lang {
            LangValue::It => rosa::lang::Lang::It,
            LangValue::En => rosa::lang::Lang::En,
        }
    }
}

/// Parses the command line and runs it.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    if !cli.esco.is_empty() {
        rosa::esco::install_from(&cli.esco).context("loading the ESCO taxonomy")?;
        import::set_esco()?;
    }
    match cli.command {
        Command::Demo(a) => rosa::lang::with(a.lang.lang(), || {
            demo::run(a.candidates, a.vacancies, a.seed)
        }),
        Command::Gen(a) => gen(a),
        Command::Bench {
            candidates,
            vacancies,
            seed,
            profile,
            keep,
            index,
            policy,
        } => {
            let profiles = match profile.as_str() {
                "all" => rosa::gen::Profile::ALL.to_vec(),
                p => vec![rosa::gen::Profile::from_name(p).ok_or_else(|| {
                    UsageError(format!(
                        "--profile: must be default, wide or all, got {p:?}"
                    ))
                })?],
            };
            bench::run(bench::Args {
                candidates,
                vacancies,
                seed,
                keep,
                profiles,
                index,
                policy,
            })
        }
        Command::Index(IndexCommand::Build {
            candidates,
            vacancies,
            index,
            rejects,
            wait,
        }) => build(
            &candidates,
            vacancies.as_deref(),
            &index,
            rejects.as_deref(),
            wait,
        ),
        Command::Index(IndexCommand::Upsert {
            index,
            candidates,
            rejects,
            wait,
        }) => {
            let records = read_candidates(&candidates, rejects.as_deref())?;
            let n = records.len();
            let mut engine = open(&index)?;
            engine.set_writer_wait(wait.writer_wait());
            let before = engine.index().snapshot_note().to_string();
            let g = engine.upsert(records)?;
            eprintln!(
                "rosa: upserted {n} candidates into {} (generation {g})",
                index.display()
            );
            print_commit_note(&engine);
            print_snapshot_change(&engine, &before);
            Ok(())
        }
        Command::Index(IndexCommand::Remove { index, ids, wait }) => {
            let mut engine = open(&index)?;
            engine.set_writer_wait(wait.writer_wait());
            let before = engine.index().snapshot_note().to_string();
            let g = engine.remove(&ids)?;
            eprintln!(
                "rosa: removed {} candidates from {} (generation {g})",
                ids.len(),
                index.display()
            );
            print_commit_note(&engine);
            print_snapshot_change(&engine, &before);
            Ok(())
        }
        Command::Outcome {
            index,
            vacancy,
            candidate,
            result,
            wait,
        } => {
            use rosa::index::OutcomeKind as K;
            let kind = match result {
                OutcomeArg::Contacted => K::Contacted,
                OutcomeArg::Interviewed => K::Interviewed,
                OutcomeArg::Hired => K::Hired,
                OutcomeArg::Rejected => K::Rejected,
                OutcomeArg::Declined => K::Declined,
                OutcomeArg::NoShow => K::NoShow,
            };
            let mut engine = open(&index)?;
            engine.set_writer_wait(wait.writer_wait());
            let g = engine.record_outcome(&vacancy, &candidate, kind)?;
            eprintln!(
                "rosa: recorded {} for {candidate} on {vacancy} (generation {g})",
                kind.as_str()
            );
            print_commit_note(&engine);
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { index }) => {
            let v = rosa::audit::verify(&index)?;
            print_json(&v)?;
            if let Some((line, why)) = v.first_broken {
                return Err(anyhow::anyhow!(
                    "audit log broken at record {line}: {why} (`rosa audit repair` cuts the log back to its last verifiable record)"
                ));
            }
            if let Some(first) = v.problems.first() {
                return Err(anyhow::anyhow!(
                    "the audit log and the index disagree ({} problems): {first}",
                    v.problems.len()
                ));
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Repair { index }) => {
            let r = rosa::audit::repair(&index)?;
            print_json(&r)?;
            if r.dropped_lines == 0 && r.recovered.is_empty() {
                eprintln!("rosa: the audit log needed no repair");
            } else {
                eprintln!(
                    "rosa: cut {} lines ({} bytes) from the end of the audit log; recorded again generations {:?}",
                    r.dropped_lines, r.dropped_bytes, r.recovered
                );
                for d in &r.dropped {
                    eprintln!("rosa: dropped {d}");
                }
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Replay { index, seq }) => {
            let replays = rosa::audit::replay(&index, seq)?;
            print_json(&replays)?;
            let bad = replays.iter().filter(|r| r.status == "mismatch").count();
            if bad > 0 {
                return Err(anyhow::anyhow!(
                    "{bad} replayed rosters differ from the logged output"
                ));
            }
            Ok(())
        }
        Command::Roster(a) => rosa::lang::with(a.lang.lang(), || roster(a)),
        Command::Import(a) => import::run(a),
        Command::Eval(a) => eval(a),
        Command::Explain(a) => {
            let policy = load_policy(a.policy.as_deref())?;
            let vacancy: VacancyRecord = read_json(&a.vacancy)?;
            let engine = open(&a.index)?;
            let e = engine.explain(&vacancy, &policy, &a.candidate)?;
            rosa::lang::with(a.lang.lang(), || print_json(&e))
        }
        Command::Offers(a) => {
            let policy = load_policy(a.policy.as_deref())?;
            let engine = open(&a.index)?;
            let o = engine.offers(&policy, &a.candidate)?;
            rosa::lang::with(a.lang.lang(), || print_json(&o))
        }
        #[cfg(feature = "grpc")]
        Command::Serve(a) => serve(a),
    }
}

#[cfg(feature = "grpc")]
fn serve(a: ServeArgs) -> Result<()> {
    let access = match &a.auth {
        Some(path) => rosa::grpc::auth::Access::from_file(path)
            .map_err(|e| UsageError(format!("--auth: {e}")))?,
        None => rosa::grpc::auth::Access::local(),
    }
    .insecure(a.insecure);
    access
        .check_listen(a.listen)
        .map_err(|e| UsageError(format!("--listen: {e}")))?;
    if a.insecure && !a.listen.ip().is_loopback() {
        eprintln!(
            "rosa: warning: --insecure: serving {} {}",
            a.listen,
            match (access.has_tls(), access.authenticates()) {
                (false, false) => "without TLS or authentication: every caller is an operator",
                (false, true) => "without TLS: tokens travel in clear",
                (true, false) => "without client authentication: every caller is an operator",
                (true, true) => "with TLS and authentication",
            }
        );
    }
    let policy = load_policy(a.policy.as_deref())?;
    let engine = open(&a.index)?;
    let generation = engine.index().generation();
    let config = rosa::grpc::ServeConfig {
        listen: a.listen,
        timeout: std::time::Duration::from_millis(a.timeout_ms),
        policy,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        eprintln!(
            "rosa: serving {} (generation {generation}) on {}{}",
            a.index.display(),
            listener.local_addr()?,
            match (access.has_tls(), access.authenticates()) {
                (true, true) => " with TLS and client authentication",
                (true, false) => " with TLS",
                (false, true) => " with client authentication",
                (false, false) => "",
            }
        );
        rosa::grpc::serve_with(engine, config, access, listener, shutdown_signal())
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        eprintln!("rosa: stopped; in-flight calls finished, every commit durable");
        Ok(())
    })
}

/// Completes on SIGTERM or Ctrl-C.
#[cfg(feature = "grpc")]
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// 2 for bad input, 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<rosa::Error>() {
            return if e.is_user_error() { 2 } else { 1 };
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return 2;
        }
    }
    1
}

/// The error and its causes on one line each.
pub fn render_error(err: &anyhow::Error) -> String {
    let mut s = String::new();
    for (i, cause) in err.chain().enumerate() {
        if i > 0 {
            s.push_str(if i == 1 {
                "\n  caused by: "
            } else {
                "\n  and: "
            });
        }
        s.push_str(&cause.to_string());
    }
    s
}

/// A bad argument value that clap cannot check.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn load_policy(path: Option<&Path>) -> Result<Policy> {
    let policy = match path {
        Some(p) => Policy::from_file(p)?,
        None => Policy::default(),
    };
    rosa::esco::install_from(&policy.taxonomy.esco)
        .context("loading the policy's [taxonomy] esco")?;
    if !policy.taxonomy.esco.is_empty() {
        // Its Italian occupation labels map the CP2011 codes of ClicLavoro input, as
        // with `--esco`.
        import::set_esco_if_unset()?;
    }
    Ok(policy)
}

fn open(dir: &Path) -> Result<Engine> {
    let engine = Engine::open(dir).with_context(|| format!("opening index {}", dir.display()))?;
    print_commit_note(&engine);
    Ok(engine)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

fn gen(a: GenArgs) -> Result<()> {
    let as_of = match &a.as_of {
        Some(s) => rosa::date::Date::parse(s)
            .ok_or_else(|| UsageError(format!("--as-of: expected YYYY-MM-DD, got {s:?}")))?,
        None => rosa::date::Date::today(),
    };
    let cfg = rosa::gen::GenConfig {
        candidates: a.candidates,
        vacancies: a.vacancies,
        seed: a.seed,
        as_of,
        profile: a.profile,
    };
    let data = rosa::gen::generate(&cfg);
    rosa::gen::write_dir(&data, &a.out)?;
    eprintln!(
        "rosa: wrote {} candidates and {} vacancies to {} (profile {}, seed {}, as of {})",
        data.candidates.len(),
        data.vacancies.len(),
        a.out.display(),
        a.profile.name(),
        a.seed,
        as_of
    );
    Ok(())
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    Some(bar)
}

/// Builds an index, with a progress bar on a terminal.
pub fn build_index(
    dir: &Path,
    candidates: Vec<CandidateRecord>,
    vacancies: Vec<VacancyRecord>,
    waiting: rosa::index::lock::WriterWait,
) -> Result<Engine> {
    let bar = progress_bar();
    let engine = match &bar {
        Some(bar) => {
            let report = |stage: rosa::index::Stage, done: u64, total: u64| {
                bar.set_message(format!("{stage:?}").to_lowercase());
                bar.set_length(total);
                bar.set_position(done);
            };
            Engine::build_waiting(dir, candidates, vacancies, Some(&report), &waiting)?
        }
        None => Engine::build_waiting(dir, candidates, vacancies, None, &waiting)?,
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(engine)
}

/// Reads candidates: all or nothing, or with `rejects`, the valid lines, the
/// bad ones written to that file (one JSON object per line, in input order).
fn read_candidates(path: &Path, rejects: Option<&Path>) -> Result<Vec<CandidateRecord>> {
    let Some(rejects) = rejects else {
        return Ok(read_jsonl(path)?);
    };
    use std::io::BufRead;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::File::open(path).map_err(|e| rosa::Error::io(path, e))?;
    let mut f = std::io::BufReader::with_capacity(1 << 20, f);
    let head = f.fill_buf().map_err(|e| rosa::Error::io(path, e))?;
    if let rosa::import::Sniffed::Xml(_) = rosa::import::sniff(&head[..head.len().min(4096)]) {
        eprintln!(
            "rosa: {} is XML: --rejects sets aside JSONL lines only; its documents are read whole",
            path.display()
        );
        return Ok(read_jsonl(path)?);
    }
    let (records, bad) =
        rosa::model::read_jsonl_quarantine::<CandidateRecord>(f, &path.display().to_string())?;
    // The rejects hold personal data: readable by the owner only.
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(rejects)
        .map_err(|e| rosa::Error::io(rejects, e))?;
    let mut w = std::io::BufWriter::new(out);
    for r in &bad {
        serde_json::to_writer(&mut w, r)?;
        writeln!(w)?;
    }
    w.flush().map_err(|e| rosa::Error::io(rejects, e))?;
    eprintln!(
        "rosa: set aside {} bad lines of {} in {}",
        bad.len(),
        path.display(),
        rejects.display()
    );
    if records.is_empty() && !bad.is_empty() {
        return Err(UsageError(format!(
            "{}: no valid candidate to commit ({} lines set aside in {})",
            path.display(),
            bad.len(),
            rejects.display()
        ))
        .into());
    }
    Ok(records)
}

fn build(
    candidates: &Path,
    vacancies: Option<&Path>,
    index: &Path,
    rejects: Option<&Path>,
    wait: WaitArg,
) -> Result<()> {
    let started = std::time::Instant::now();
    let cands = read_candidates(candidates, rejects)?;
    let vacs: Vec<VacancyRecord> = match vacancies {
        Some(v) => read_jsonl(v)?,
        None => Vec::new(),
    };
    let engine = build_index(index, cands, vacs, wait.writer_wait())?;
    print_commit_note(&engine);
    eprintln!(
        "rosa: indexed {} candidates and {} vacancies in {} (generation {}, {:.1} s)",
        engine.index().len(),
        engine.index().vacancies().len(),
        index.display(),
        engine.index().generation(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Says what a commit or an open had to say beyond success (a `CURRENT`
/// completed from the log, a text index left to be rebuilt).
fn print_commit_note(engine: &rosa::Engine) {
    let note = engine.index().commit_note();
    if !note.is_empty() {
        eprintln!("rosa: {note}");
    }
}

/// Says what a commit did with the snapshot, when it did something.
fn print_snapshot_change(engine: &rosa::Engine, before: &str) {
    let note = engine.index().snapshot_note();
    if note != before {
        eprintln!("rosa: {note}");
    }
}

/// "V1: applicants not in the index (left out of the pool): C9, C10", the ids
/// clipped to a line, or `None` when every applicant is indexed.
fn unknown_applicants_note(r: &rosa::Roster) -> Option<String> {
    if r.unknown_applicants.is_empty() {
        return None;
    }
    let ids = rosa::error::clip(r.unknown_applicants.join(", "), 300);
    Some(format!(
        "{}: {} applicants not in the index (left out of the pool): {ids}",
        rosa::error::escape(&r.vacancy_id),
        r.unknown_applicants.len()
    ))
}

/// Rosters of a `--vacancies` batch audited with one sync.
const AUDIT_GROUP: usize = 64;

fn roster(a: RosterArgs) -> Result<()> {
    let policy = load_policy(a.policy.as_deref())?;
    let view = match a.view {
        ViewArg::Operator => rosa::roster::View::Operator,
        ViewArg::Employer => rosa::roster::View::Employer,
    };
    // Read the input before opening the index: bad input fails fast.
    let vacancies: Vec<VacancyRecord> = match (&a.vacancy, &a.vacancies) {
        (Some(v), _) => vec![read_json(v)?],
        (None, Some(vs)) => read_jsonl(vs)?,
        (None, None) => unreachable!("clap requires one"),
    };
    let engine = open(&a.index)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let batch = a.vacancies.is_some();
    // A batch is audited a group at a time (one append and one sync per
    // group); each group's rosters are printed once their records are durable.
    for group in vacancies.chunks(if batch { AUDIT_GROUP } else { 1 }) {
        let rosters = engine.rosters(group, &policy)?;
        for (v, roster) in group.iter().zip(rosters) {
            let roster = roster.for_view(view);
            if let Some(note) = unknown_applicants_note(&roster) {
                eprintln!("rosa: {note}");
            }
            match (a.format, batch) {
                (Format::Table, _) => {
                    writeln!(out, "{}", table::roster(&roster, v))?;
                }
                (Format::Json, true) => writeln!(out, "{}", serde_json::to_string(&roster)?)?,
                (Format::Json, false) => {
                    writeln!(out, "{}", serde_json::to_string_pretty(&roster)?)?
                }
            }
        }
        out.flush()?;
    }
    Ok(())
}

fn eval(a: EvalArgs) -> Result<()> {
    let policy = load_policy(a.policy.as_deref())?;
    if rosa::esco::active().has_profiles() {
        let defaults = rosa::eval::profiles::ProfileEvalConfig::default();
        let cfg = rosa::eval::profiles::ProfileEvalConfig {
            anchors: a.anchors,
            seed: a.seed,
            groups: a.groups.clone(),
            policy: Policy {
                as_of: policy.as_of.or(Some(defaults.as_of)),
                ..policy
            },
            ..defaults
        };
        let r = rosa::eval::profiles::run(&cfg)?;
        let mut out = std::io::stdout().lock();
        if a.format == Format::Json {
            serde_json::to_writer_pretty(&mut out, &r)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", rosa::eval::profiles::table(&r))?;
        }
        return Ok(());
    }
    let cfg = rosa::eval::EvalConfig {
        candidates: a.candidates,
        queries: a.queries,
        seed: a.seed,
        ..Default::default()
    };
    let r = rosa::eval::run(&cfg)?;
    let mut out = std::io::stdout().lock();
    if a.format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &r)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} candidates, {} queries (of {} vacancies tried), seed {}, as_of {}; \
         mean eligible {:.1}, mean relevant {:.1} (best possible P@15 {:.4})",
        r.candidates,
        r.queries,
        r.vacancies_tried,
        r.seed,
        r.as_of,
        r.mean_eligible,
        r.mean_relevant,
        r.max_precision_at_15
    )?;
    writeln!(
        out,
        "{:<19} {:>8} {:>8} {:>8}",
        "system", "NDCG@15", "P@15", "MRR"
    )?;
    for s in &r.systems {
        writeln!(
            out,
            "{:<19} {:>8.4} {:>8.4} {:>8.4}",
            s.system, s.ndcg_at_15, s.precision_at_15, s.mrr
        )?;
    }
    Ok(())
}
