//! CPI records in: the Ministry of Labour's ClicLavoro XML standards as rosa records.
//!
//! Italian CPI systems exchange a CV as a *Candidatura* (namespace
//! `http://servizi.lavoro.gov.it/candidatura`) and a vacancy as a *Ricerca personale*
//! `Vacancy` (namespace `http://servizi.lavoro.gov.it/vacancy`). [`Importer`] maps one
//! document to a [`CandidateRecord`] or [`VacancyRecord`] (DESIGN section 3) plus a
//! [`DocumentReport`] that lists what rosa did not take (data minimisation: personal
//! data, contacts and fields rosa does not model stay out of the index) and every
//! assumption made. [`read_candidates`] / [`read_vacancies`] / [`read_vacancy`] choose
//! JSON or XML by content (the root element), not by file name.
//!
//! Bad documents get the contract of bad JSON: every problem is reported with the file,
//! the line and the element path (`/Candidatura/DatiCurriculari/Lingue[2]/idlivelloparlato`),
//! and a batch with any bad document yields no records. Hostile XML is refused before
//! mapping (see [`xml`]).

mod candidatura;
pub mod codes;
pub mod occupation;
mod vacancy;
pub mod xml;

use std::io::{BufRead, Read};
use std::path::Path;

use serde::Serialize;

use crate::date::Date;
use crate::error::{Error, FieldError, InputErrors};
use crate::geo::Comuni;
use crate::model::{CandidateRecord, OccupationMapping, Record, VacancyRecord};
use crate::taxonomy::SkillTaxonomy;

pub use occupation::{OccupationEntry, OccupationMatcher};

/// Reach given to a candidate whose *Candidatura* declares no territory: 50 km, the
/// distance of an offer congruous in the first twelve months (L. 92/2012, DM 10/4/2018).
pub const DEFAULT_REACH_KM: u32 = 50;

/// Most (CP code, title) pairs whose mapping an [`Importer`] remembers.
pub const MAPPING_CACHE: usize = 100_000;

/// Which ClicLavoro document a text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A CV (*Candidatura*).
    Candidatura,
    /// A vacancy (*Ricerca personale*, root `Vacancy`).
    Vacancy,
}

impl DocumentKind {
    /// The root element's local name.
    pub fn root(self) -> &'static str {
        match self {
            DocumentKind::Candidatura => "Candidatura",
            DocumentKind::Vacancy => "Vacancy",
        }
    }
}

/// What the first bytes of an input are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Not XML: JSON (one record or JSON lines).
    Json,
    /// XML whose root element has this local name (`!DOCTYPE` for a DTD).
    Xml(String),
}

/// Looks at the start of an input (a few KiB are enough) and says whether it is XML,
/// and with which root element. A leading byte-order mark and blanks are skipped.
pub fn sniff(prefix: &[u8]) -> Sniffed {
    match xml::root_name(prefix) {
        Some(name) => Sniffed::Xml(name),
        None => Sniffed::Json,
    }
}

/// What an import left out and assumed, for one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocumentReport {
    /// The input file.
    pub file: String,
    /// Line of the document's root element in the file.
    pub line: usize,
    /// The record id.
    pub id: String,
    /// Element paths (without indexes) that held data rosa does not model, with the
    /// number of times each occurred: kept out of the record.
    pub not_modelled: Vec<(String, usize)>,
    /// Values not mapped and assumptions made, one sentence each.
    pub notes: Vec<String>,
    /// How each occupation was mapped.
    pub occupations: Vec<OccupationMapping>,
}

/// A mapped record and its report.
#[derive(Debug, Clone)]
pub struct Imported<R> {
    /// The record, valid.
    pub record: R,
    /// What was left out and assumed.
    pub report: DocumentReport,
}

/// Maps ClicLavoro documents to rosa records, with the reference data it needs.
pub struct Importer {
    occupations: OccupationMatcher,
    /// Mappings already made, by CP code and title (a national file repeats a few
    /// hundred occupations a million times).
    mapped: std::sync::Mutex<std::collections::HashMap<(String, String), occupation::Mapping>>,
    skills: &'static SkillTaxonomy,
    comuni: &'static Comuni,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Importer({:?})", self.occupations)
    }
}

impl Default for Importer {
    fn default() -> Self {
        Importer::new(OccupationMatcher::new(Vec::new()))
    }
}

impl Importer {
    /// An importer mapping occupations with `occupations` (an empty matcher keeps
    /// only the ISCO major group of every occupation, marked unknown), skills with the
    /// embedded ESCO taxonomy and comuni with the embedded table.
    pub fn new(occupations: OccupationMatcher) -> Importer {
        Importer {
            occupations,
            mapped: Default::default(),
            skills: SkillTaxonomy::embedded(),
            comuni: Comuni::embedded(),
        }
    }

    /// [`OccupationMatcher::map`], remembered (up to [`MAPPING_CACHE`] distinct pairs).
    pub(crate) fn occupation(&self, cp: &str, title: &str) -> occupation::Mapping {
        let key = (cp.to_string(), title.to_string());
        if let Some(m) = self
            .mapped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return m.clone();
        }
        let m = self.occupations.map(cp, title);
        let mut cache = self.mapped.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < MAPPING_CACHE {
            cache.insert(key, m.clone());
        }
        m
    }

    /// Whether occupation labels are loaded.
    pub fn has_occupation_labels(&self) -> bool {
        !self.occupations.is_empty()
    }

    /// Maps one *Candidatura* document.
    pub fn candidatura(
        &self,
        bytes: &[u8],
        file: &str,
    ) -> Result<Imported<CandidateRecord>, Vec<FieldError>> {
        self.document(bytes, file, 0, DocumentKind::Candidatura, |doc, p| {
            candidatura::map(self, doc, p)
        })
    }

    /// Maps one *Ricerca personale* `Vacancy` document.
    pub fn vacancy(
        &self,
        bytes: &[u8],
        file: &str,
    ) -> Result<Imported<VacancyRecord>, Vec<FieldError>> {
        self.document(bytes, file, 0, DocumentKind::Vacancy, |doc, p| {
            vacancy::map(self, doc, p)
        })
    }

    /// Parses, maps and validates one document that starts at line `first_line` + 1
    /// of `file`.
    fn document<R: Record>(
        &self,
        bytes: &[u8],
        file: &str,
        first_line: usize,
        kind: DocumentKind,
        map: impl for<'a, 'i> FnOnce(
            &'a roxmltree::Document<'i>,
            &mut xml::Problems<'a, 'i>,
        ) -> Option<(R, DocumentReport)>,
    ) -> Result<Imported<R>, Vec<FieldError>> {
        let doc = xml::parse(bytes).map_err(|(line, msg)| {
            let mut e = FieldError::new(format!("/{}", kind.root()), msg).at(file, 0, "-");
            e.line = first_line + line;
            vec![e]
        })?;
        let mut p = xml::Problems::new(&doc);
        let mapped = map(&doc, &mut p);
        let id = mapped
            .as_ref()
            .map_or("-".to_string(), |(r, _)| r.id().to_string());
        let mut errors: Vec<FieldError> = p
            .errors
            .into_iter()
            .map(|e| {
                let line = e.line;
                let mut e = e.at(file, 0, &id);
                e.line = first_line + line;
                e
            })
            .collect();
        let Some((record, mut report)) = mapped else {
            return Err(errors);
        };
        if errors.is_empty() {
            // The record's own validation, as for JSON (field paths are rosa's here).
            let line = first_line + doc.text_pos_at(doc.root_element().range().start).row as usize;
            errors.extend(
                record
                    .check(self.comuni, crate::taxonomy::Isco::embedded())
                    .into_iter()
                    .map(|e| e.at(file, line, &id)),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        report.file = file.to_string();
        report.line = first_line + doc.text_pos_at(doc.root_element().range().start).row as usize;
        report.id = id;
        Ok(Imported { record, report })
    }
}

/// Dates of the schemas: `xs:date` (`2026-03-02`, maybe with a zone) or `xs:dateTime`
/// (`2026-03-02T10:00:00`): the day.
pub(crate) fn parse_day(text: &str) -> Option<Date> {
    let day = text.get(..10)?;
    let rest = &text[10..];
    if !(rest.is_empty()
        || rest.starts_with('T')
        || rest.starts_with('Z')
        || rest.starts_with('+')
        || rest.starts_with('-'))
    {
        return None;
    }
    Date::parse(day)
}

/// Cuts free text into phrases and keeps those that name an ESCO skill exactly or up to
/// inflection ([`SkillTaxonomy::normalise_label_exact`]: the phrase was not written as a
/// skill label, so a fuzzy near miss is not taken): `(phrase, uri)`, first occurrence of
/// each skill.
pub(crate) fn skills_in_text(tax: &SkillTaxonomy, text: &str, out: &mut Vec<(String, String)>) {
    let mut phrases: Vec<String> = Vec::new();
    for part in text.split(|c: char| ",;:.\n()[]/|•".contains(c)) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        // "saldatura TIG e MIG" names two things: try the parts around " e " too.
        phrases.push(part.to_string());
        for sub in part.split(" e ").filter(|s| s.len() < part.len()) {
            phrases.push(sub.trim().to_string());
        }
    }
    for ph in phrases {
        let words = ph.split_whitespace().count();
        if !(1..=6).contains(&words) || ph.len() > 120 {
            continue;
        }
        if let Some(m) = tax.normalise_label_exact(&ph) {
            let uri = tax.get(m.id).uri.clone();
            if !out.iter().any(|(_, u)| *u == uri) {
                out.push((ph, uri));
            }
        }
    }
}

/// The leaf elements of `doc` that were not read: data rosa does not model, by path
/// without indexes, with counts, in document order.
pub(crate) fn not_modelled(doc: &roxmltree::Document, used: &[usize]) -> Vec<(String, usize)> {
    let mut used: Vec<usize> = used.to_vec();
    used.sort_unstable();
    let mut out: Vec<(String, usize)> = Vec::new();
    for n in doc.root_element().descendants() {
        if !n.is_element() || n.children().any(|c| c.is_element()) {
            continue;
        }
        if used.binary_search(&n.range().start).is_ok() {
            continue;
        }
        if n.text().is_none_or(|t| t.trim().is_empty()) {
            continue;
        }
        let mut parts: Vec<&str> = n
            .ancestors()
            .filter(|a| a.is_element())
            .map(|a| a.tag_name().name())
            .collect();
        parts.reverse();
        let path = format!("/{}", parts.join("/"));
        match out.iter_mut().find(|(p, _)| *p == path) {
            Some((_, c)) => *c += 1,
            None => out.push((path, 1)),
        }
    }
    out
}

/// Splits a stream of XML documents of one kind (each may start with an XML
/// declaration) at the closing tag of their root element, holding at most one
/// document in memory: `(first line of the document - 1, bytes)`.
pub struct Documents<R> {
    reader: R,
    kind: DocumentKind,
    line: usize,
    done: bool,
}

impl<R: BufRead> Documents<R> {
    /// Documents of `kind` in `reader`.
    pub fn new(reader: R, kind: DocumentKind) -> Self {
        Documents {
            reader,
            kind,
            line: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for Documents<R> {
    type Item = std::io::Result<(usize, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let close = format!("{}>", self.kind.root());
        let mut doc: Vec<u8> = Vec::new();
        let mut start_line = self.line;
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = match (&mut self.reader)
                .take(xml::MAX_XML_BYTES as u64 + 1)
                .read_until(b'\n', &mut line)
            {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            if n == 0 {
                self.done = true;
                break;
            }
            if line.ends_with(b"\n") {
                self.line += 1;
            }
            if doc.is_empty() && line.iter().all(|b| b.is_ascii_whitespace()) {
                // Blank lines between documents: the next one starts later.
                start_line = self.line;
                continue;
            }
            doc.extend_from_slice(&line);
            if doc.len() > xml::MAX_XML_BYTES {
                // Too big: hand it over as is (the parser refuses it by size) and stop,
                // without reading the rest of a hostile stream into memory.
                self.done = true;
                break;
            }
            // The root closes: `</Candidatura>` or `</prefix:Candidatura>`.
            if let Some(pos) = find_close(&line, close.as_bytes()) {
                let after = &line[pos..];
                if after.iter().all(|b| b.is_ascii_whitespace()) {
                    break;
                }
                // Another document starts on the same line: keep it for the next call
                // is not possible with a plain BufRead; treat the line as one unit.
            }
        }
        if doc.iter().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        Some(Ok((start_line, doc)))
    }
}

/// Position just after `</...Root>` in `line`, if present.
fn find_close(line: &[u8], close: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = line[from..].windows(2).position(|w| w == b"</") {
        let at = from + p + 2;
        let rest = &line[at..];
        let name_end = rest.iter().position(|&b| b == b'>')?;
        let name = &rest[..=name_end];
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        if local == close {
            return Some(at + name_end + 1);
        }
        from = at;
    }
    None
}

/// Documents mapped together in parallel.
const BATCH_DOCUMENTS: usize = 1024;

/// Reads every document of `kind` from `reader` (named `file`), mapping them in
/// parallel batches and handing each to `each` in input order, holding one batch in
/// memory. Every error is collected (up to [`InputErrors::LIMIT`]); after the first,
/// `each` is no longer called. Returns the number of documents handed over.
pub fn import_stream<R: Record + Send>(
    importer: &Importer,
    reader: impl BufRead,
    file: &str,
    kind: DocumentKind,
    mut each: impl FnMut(Imported<R>) -> Result<(), Error>,
) -> Result<usize, Error>
where
    Importer: MapDocument<R>,
{
    use rayon::prelude::*;
    let mut errors = InputErrors::default();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut n = 0;
    let mut docs = Documents::new(reader, kind);
    loop {
        let mut batch = Vec::with_capacity(BATCH_DOCUMENTS);
        for d in docs.by_ref().take(BATCH_DOCUMENTS) {
            batch.push(d.map_err(|e| Error::io(file, e))?);
        }
        if batch.is_empty() {
            break;
        }
        let mapped: Vec<Result<Imported<R>, Vec<FieldError>>> = batch
            .par_iter()
            .map(|(first, bytes)| importer.map_document(bytes, file, *first))
            .collect();
        drop(batch);
        for m in mapped {
            match m {
                Ok(imp) => {
                    let id = imp.record.id().to_string();
                    if let Some(prev) = seen.insert(id.clone(), imp.report.line) {
                        errors.push(
                            FieldError::new(
                                format!("/{}", kind.root()),
                                format!("duplicate id, first seen on line {prev}"),
                            )
                            .at(file, imp.report.line, &id),
                        );
                    } else if errors.is_empty() {
                        n += 1;
                        each(imp)?;
                    }
                }
                Err(es) => errors.extend(es),
            }
        }
    }
    if n == 0 && errors.is_empty() {
        errors.push(
            FieldError::new(format!("/{}", kind.root()), "no document in the file")
                .at(file, 0, "-"),
        );
    }
    if errors.is_empty() {
        Ok(n)
    } else {
        Err(Error::Input(errors))
    }
}

/// A record type an [`Importer`] maps from its ClicLavoro document.
pub trait MapDocument<R> {
    /// The document kind of `R`.
    const KIND: DocumentKind;
    /// Maps one document starting after line `first_line` of `file`.
    fn map_document(
        &self,
        bytes: &[u8],
        file: &str,
        first_line: usize,
    ) -> Result<Imported<R>, Vec<FieldError>>;
}

impl MapDocument<CandidateRecord> for Importer {
    const KIND: DocumentKind = DocumentKind::Candidatura;
    fn map_document(
        &self,
        bytes: &[u8],
        file: &str,
        first_line: usize,
    ) -> Result<Imported<CandidateRecord>, Vec<FieldError>> {
        self.document(
            bytes,
            file,
            first_line,
            DocumentKind::Candidatura,
            |doc, p| candidatura::map(self, doc, p),
        )
    }
}

impl MapDocument<VacancyRecord> for Importer {
    const KIND: DocumentKind = DocumentKind::Vacancy;
    fn map_document(
        &self,
        bytes: &[u8],
        file: &str,
        first_line: usize,
    ) -> Result<Imported<VacancyRecord>, Vec<FieldError>> {
        self.document(bytes, file, first_line, DocumentKind::Vacancy, |doc, p| {
            vacancy::map(self, doc, p)
        })
    }
}

/// How many bytes [`read_records`] looks at to choose JSON or XML.
const SNIFF_BYTES: usize = 4096;

/// Reads the records of a file holding JSON lines or ClicLavoro XML documents of `R`'s
/// kind (one or more, one after another), chosen by content. XML goes through
/// `importer`; its reports are returned (empty for JSON).
pub fn read_records<R: Record + Send>(
    path: &Path,
    importer: &Importer,
) -> Result<(Vec<R>, Vec<DocumentReport>), Error>
where
    Importer: MapDocument<R>,
{
    let f = crate::model::open_input(path)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
    let file = path.display().to_string();
    let prefix = {
        let buf = reader.fill_buf().map_err(|e| Error::io(path, e))?;
        buf[..buf.len().min(SNIFF_BYTES)].to_vec()
    };
    match sniff(&prefix) {
        Sniffed::Json => Ok((crate::model::read_jsonl_from(reader, &file)?, Vec::new())),
        Sniffed::Xml(root) => {
            let kind = <Importer as MapDocument<R>>::KIND;
            if root != kind.root() && root != "!DOCTYPE" {
                return Err(Error::input(
                    FieldError::new(
                        format!("/{root}"),
                        format!(
                            "an XML document with root <{root}>; expected a ClicLavoro <{}> here",
                            kind.root()
                        ),
                    )
                    .at(&file, 1, "-"),
                ));
            }
            let mut records = Vec::new();
            let mut reports = Vec::new();
            import_stream::<R>(importer, reader, &file, kind, |imp| {
                records.push(imp.record);
                reports.push(imp.report);
                Ok(())
            })?;
            Ok((records, reports))
        }
    }
}

/// Candidates from JSON lines or ClicLavoro *Candidatura* XML, chosen by content.
pub fn read_candidates(path: &Path, importer: &Importer) -> Result<Vec<CandidateRecord>, Error> {
    Ok(read_records(path, importer)?.0)
}

/// Vacancies from JSON lines or ClicLavoro `Vacancy` XML, chosen by content.
pub fn read_vacancies(path: &Path, importer: &Importer) -> Result<Vec<VacancyRecord>, Error> {
    Ok(read_records(path, importer)?.0)
}

/// One vacancy from a JSON file or a ClicLavoro `Vacancy` XML document.
pub fn read_vacancy(path: &Path, importer: &Importer) -> Result<VacancyRecord, Error> {
    let f = crate::model::open_input(path)?;
    let mut reader = std::io::BufReader::new(f);
    let prefix = {
        let buf = reader.fill_buf().map_err(|e| Error::io(path, e))?;
        buf[..buf.len().min(SNIFF_BYTES)].to_vec()
    };
    match sniff(&prefix) {
        Sniffed::Json => crate::model::read_json_from(reader, &path.display().to_string()),
        Sniffed::Xml(_) => {
            let (mut v, _) = read_records::<VacancyRecord>(path, importer)?;
            if v.len() != 1 {
                return Err(Error::input(
                    FieldError::new(
                        "/Vacancy",
                        format!("{} vacancies in the file, expected one", v.len()),
                    )
                    .at(&path.display().to_string(), 0, "-"),
                ));
            }
            Ok(v.remove(0))
        }
    }
}
