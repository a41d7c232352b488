//! `rosa import candidatura|vacancy FILE...`, and the readers the other verbs use so
//! that they accept ClicLavoro XML wherever JSON records are accepted (chosen by
//! content, not by file name).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rosa::import::{DocumentKind, DocumentReport, Importer, MapDocument};
use rosa::model::{CandidateRecord, Record, VacancyRecord};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(super) enum KindArg {
    /// ClicLavoro *Candidatura* (CV) documents → candidates JSONL.
    Candidatura,
    /// ClicLavoro *Ricerca personale* `Vacancy` documents → vacancies JSONL.
    Vacancy,
}

#[derive(Args)]
pub(super) struct ImportArgs {
    /// Document kind.
    #[arg(value_enum)]
    kind: KindArg,
    /// XML files: each holds one document, or several one after another.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the JSONL here (all or nothing) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the import report here, one JSON object per document (default: a
    /// summary on standard error). Occupations are mapped with the Italian labels of
    /// `--esco` (without them, they keep only their ISCO major group, marked unknown).
    #[arg(long)]
    report: Option<PathBuf>,
}

static IMPORTER: OnceLock<Importer> = OnceLock::new();

/// The importer of this process (occupation labels from `--esco` when given).
pub(super) fn importer() -> &'static Importer {
    IMPORTER.get_or_init(Importer::default)
}

/// Gives every later import the Italian occupation labels of the ESCO taxonomy loaded
/// with `--esco` ([`rosa::esco::active`]); without them, says on stderr that ClicLavoro
/// occupations keep only their ISCO major group.
pub(super) fn set_esco() -> Result<()> {
    let tax = rosa::esco::active();
    let entries: Vec<rosa::import::occupation::OccupationEntry> = tax
        .occupations
        .iter()
        .filter_map(|o| {
            let pref = o.labels.iter().find(|(l, _)| l == "it")?;
            let labels = std::iter::once(pref.1.clone())
                .chain(
                    o.alt_labels
                        .iter()
                        .filter(|(l, _)| l == "it")
                        .map(|(_, a)| a.clone()),
                )
                .collect();
            Some(rosa::import::occupation::OccupationEntry {
                uri: o.uri.clone(),
                isco: o.isco.clone(),
                labels,
            })
        })
        .collect();
    if entries.is_empty() {
        eprintln!(
            "rosa: --esco: no occupations_it.csv (Italian ESCO occupation labels) found; ClicLavoro occupations keep only their ISCO major group"
        );
    }
    let importer = Importer::new(rosa::import::OccupationMatcher::new(entries));
    IMPORTER
        .set(importer)
        .map_err(|_| anyhow::anyhow!("ESCO occupations loaded twice"))
}

/// [`set_esco`] for a taxonomy named by the policy's `[taxonomy] esco`, unless the
/// importer is settled already (by `--esco`).
pub(super) fn set_esco_if_unset() -> Result<()> {
    if IMPORTER.get().is_some() {
        return Ok(());
    }
    set_esco()
}

/// Records of a JSON-lines file or of ClicLavoro XML, chosen by content.
pub(super) fn read_jsonl<R: Record + Send>(path: &Path) -> Result<Vec<R>, rosa::Error>
where
    Importer: MapDocument<R>,
{
    let (records, reports) = rosa::import::read_records::<R>(path, importer())?;
    if !reports.is_empty() {
        summary(&reports, &mut std::io::stderr().lock());
    }
    Ok(records)
}

/// One vacancy from a JSON file or a ClicLavoro `Vacancy` document.
pub(super) fn read_json<R: Record + OneRecord>(path: &Path) -> Result<R, rosa::Error> {
    R::read_one(path)
}

/// A record type read one per file (`--vacancy`).
pub(super) trait OneRecord: Sized {
    fn read_one(path: &Path) -> Result<Self, rosa::Error>;
}

impl OneRecord for VacancyRecord {
    fn read_one(path: &Path) -> Result<Self, rosa::Error> {
        rosa::import::read_vacancy(path, importer())
    }
}

/// What an import left out, added up over documents.
#[derive(Default)]
struct Summary {
    documents: usize,
    dropped: Vec<(String, usize)>,
    confident: usize,
    unknown: usize,
    notes: usize,
}

impl Summary {
    fn add(&mut self, r: &DocumentReport) {
        self.documents += 1;
        for (p, c) in &r.not_modelled {
            match self.dropped.iter_mut().find(|(q, _)| q == p) {
                Some((_, n)) => *n += c,
                None => self.dropped.push((p.clone(), *c)),
            }
        }
        for m in &r.occupations {
            if m.confident {
                self.confident += 1;
            } else {
                self.unknown += 1;
            }
        }
        self.notes += r.notes.len();
    }

    fn print(&self, out: &mut impl Write) {
        let _ = writeln!(
            out,
            "rosa: imported {} ClicLavoro document(s); occupations: {} mapped, {} unknown{}; {} note(s) (--report lists them)",
            self.documents,
            self.confident,
            self.unknown,
            if importer().has_occupation_labels() {
                ""
            } else {
                " (no --esco labels: ISCO major groups only)"
            },
            self.notes
        );
        if !self.dropped.is_empty() {
            let list: Vec<String> = self
                .dropped
                .iter()
                .map(|(p, c)| {
                    if *c > 1 {
                        format!("{p} ({c})")
                    } else {
                        p.clone()
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "rosa: not modelled, kept out of the records: {}",
                list.join(", ")
            );
        }
    }
}

fn summary(reports: &[DocumentReport], out: &mut impl Write) {
    let mut s = Summary::default();
    for r in reports {
        s.add(r);
    }
    s.print(out);
}

/// `rosa import`.
pub(super) fn run(a: ImportArgs) -> Result<()> {
    match a.kind {
        KindArg::Candidatura => run_kind::<CandidateRecord>(&a, DocumentKind::Candidatura),
        KindArg::Vacancy => run_kind::<VacancyRecord>(&a, DocumentKind::Vacancy),
    }
}

fn run_kind<R: Record + Send>(a: &ImportArgs, kind: DocumentKind) -> Result<()>
where
    Importer: MapDocument<R>,
{
    let importer = importer();
    // Output: a temporary file renamed at the end (all or nothing), or stdout.
    let (mut sink, tmp): (Box<dyn Write>, Option<tempfile::NamedTempFile>) = match &a.out {
        Some(out) => {
            let dir = out
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
            let f = tmp.reopen()?;
            (Box::new(std::io::BufWriter::new(f)), Some(tmp))
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            None,
        ),
    };
    let mut report_sink: Option<std::io::BufWriter<std::fs::File>> = match &a.report {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => None,
    };
    let mut summed = Summary::default();
    let mut errors = rosa::InputErrors::default();
    let mut total = 0usize;
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for path in &a.files {
        let file = path.display().to_string();
        let f = rosa::model::open_input(path)?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
        let prefix = {
            use std::io::BufRead;
            let b = reader.fill_buf().map_err(|e| rosa::Error::io(path, e))?;
            b[..b.len().min(4096)].to_vec()
        };
        match rosa::import::sniff(&prefix) {
            rosa::import::Sniffed::Xml(root) if root == kind.root() || root == "!DOCTYPE" => {}
            other => {
                let what = match other {
                    rosa::import::Sniffed::Json => "not XML".to_string(),
                    rosa::import::Sniffed::Xml(r) => format!("an XML document with root <{r}>"),
                };
                errors.push(
                    rosa::FieldError::new(
                        format!("/{}", kind.root()),
                        format!("{what}; expected ClicLavoro <{}> documents", kind.root()),
                    )
                    .at(&file, 1, "-"),
                );
                continue;
            }
        }
        let result = rosa::import::import_stream::<R>(importer, reader, &file, kind, |imp| {
            if let Some(prev) = seen.insert(imp.record.id().to_string(), file.clone()) {
                errors.push(
                    rosa::FieldError::new(
                        format!("/{}", kind.root()),
                        format!("duplicate id, also in {prev}"),
                    )
                    .at(&file, imp.report.line, imp.record.id()),
                );
                return Ok(());
            }
            if !errors.is_empty() {
                return Ok(());
            }
            let line = serde_json::to_string(&imp.record).expect("records serialise");
            writeln!(sink, "{line}").map_err(|e| rosa::Error::io("output", e))?;
            if let Some(r) = report_sink.as_mut() {
                let line = serde_json::to_string(&imp.report).expect("reports serialise");
                writeln!(r, "{line}").map_err(|e| rosa::Error::io("report", e))?;
            }
            summed.add(&imp.report);
            total += 1;
            Ok(())
        });
        match result {
            Ok(_) => {}
            Err(rosa::Error::Input(es)) => {
                errors.extend(es.errors);
                errors.more += es.more;
            }
            Err(e) => return Err(e.into()),
        }
    }
    sink.flush().context("writing the records")?;
    drop(sink);
    if let Some(r) = report_sink.as_mut() {
        r.flush().context("writing the report")?;
    }
    if !errors.is_empty() {
        // Nothing is written to --out from a bad batch (the temporary file goes).
        return Err(rosa::Error::Input(errors).into());
    }
    if let (Some(tmp), Some(out)) = (tmp, &a.out) {
        tmp.persist(out)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    summed.print(&mut std::io::stderr().lock());
    eprintln!("rosa: wrote {total} record(s)");
    Ok(())
}
