//! Rows: records validated (`check_all`, `check_stored`), features derived
//! (`derive_one`), upserts planned and applied to rows, bitmaps and the text
//! index, removals, outcomes and the open vacancies.

use super::*;

pub(super) fn check_all<R: Record + Sync>(records: &[R], file: &str) -> Result<()> {
    let (comuni, isco) = (Comuni::embedded(), Isco::embedded());
    let bad: Vec<Vec<FieldError>> = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            r.check(comuni, isco)
                .into_iter()
                .map(|e| e.at(file, i + 1, r.id()))
                .collect()
        })
        .collect();
    let mut errors = InputErrors::default();
    for es in bad {
        errors.extend(es);
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if let Some(first) = seen.insert(r.id(), i + 1) {
            errors.push(
                FieldError::new("id", format!("duplicate id, first seen in record {first}")).at(
                    file,
                    i + 1,
                    r.id(),
                ),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(errors))
    }
}

/// Validates records read back from the index's own files. They were valid
/// when committed and the engine relies on it (features, filters, geography),
/// so a record that fails now means the file was damaged: an index error.
pub(super) fn check_stored<R: Record + Sync>(records: &[R], path: &Path) -> Result<()> {
    match check_all(records, "") {
        Ok(()) => Ok(()),
        Err(Error::Input(errs)) => {
            let first = errs.errors.first().map_or_else(String::new, |e| {
                format!(
                    "line {}: {}: {}: {}: ",
                    e.line, e.record_id, e.field, e.message
                )
            });
            Err(index_error(
                path,
                format!("{first}the index is damaged, rebuild it"),
            ))
        }
        Err(other) => Err(other),
    }
}

fn derive_one(r: &CandidateRecord, labels: &LabelCache, vocab: &mut SkillVocab) -> Features {
    let mut skills: Vec<SkillFeature> = Vec::with_capacity(r.skills.len());
    for (i, s) in r.skills.iter().enumerate() {
        let feature = |key, similarity| SkillFeature {
            key,
            similarity,
            certified: s.certified,
            source: i as u16,
        };
        match resolve(s.esco.as_deref(), s.label.as_deref(), labels) {
            Resolution::Esco(id, sim) => {
                skills.push(feature(id, sim));
                // A label tied to ESCO only approximately keeps its own key too, so that
                // a vacancy naming exactly this label finds it (DESIGN section 4).
                if sim < 1.0 && s.esco.is_none() {
                    let name = label_key_name(s.label.as_deref().unwrap_or(""));
                    skills.push(feature(vocab.intern(name), 1.0));
                }
            }
            Resolution::Extra(name) => skills.push(feature(vocab.intern(name), 1.0)),
        }
    }
    // One feature per key: the surest tie, certified winning ties.
    skills.sort_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(b.certified.cmp(&a.certified))
            .then(a.source.cmp(&b.source))
    });
    skills.dedup_by_key(|s| s.key);
    let comune = Comuni::embedded()
        .lookup(&r.domicile)
        .expect("validated domicile");
    Features::new(comune, skills, r)
}

/// An index's skill keys are the ids of the taxonomy it was built with: opening it under
/// another is a user error naming both.
pub(super) fn check_taxonomy(dir: &Path, built: Option<&crate::esco::TaxonomyId>) -> Result<()> {
    let active = crate::esco::active().id();
    let same = match built {
        Some(b) => b.fingerprint == active.fingerprint,
        None => active.version == "embedded",
    };
    if same {
        return Ok(());
    }
    let built = built.map_or_else(|| "embedded".to_string(), |b| b.to_string());
    Err(Error::Taxonomy(format!(
        "index {} was built with taxonomy {built}, but this run uses {active}: give the same --esco files (or none) as when it was built",
        dir.display()
    )))
}

fn ids_of<R: Record>(records: &[R]) -> HashMap<String, usize> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id().to_string(), i))
        .collect()
}

pub(super) fn check_segment_size(path: &Path, bytes: u64) -> Result<()> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if size != bytes {
        return Err(index_error(
            path,
            format!("is {size} bytes, the manifest says {bytes}: the index is damaged, rebuild it"),
        ));
    }
    Ok(())
}

pub(super) fn index_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Row changes of an upsert, computed before anything is applied.
pub(super) struct Plan {
    /// `(row, replaces an existing row)` per record, in record order.
    pub(super) rows: Vec<(u32, bool)>,
}

impl Index {
    pub(super) fn plan(&self, records: &[CandidateRecord]) -> Plan {
        let mut next = self.ids.len() as u32;
        let rows = records
            .iter()
            .map(|r| match self.by_id.get(&r.id) {
                Some(&row) => (row, true),
                None => {
                    next += 1;
                    (next - 1, false)
                }
            })
            .collect();
        Plan { rows }
    }

    /// Applies upserted records in memory (rows as planned); `stored_at`
    /// names the segment that holds them and where each one lies in it.
    pub(super) fn apply_upserts(
        &mut self,
        records: Vec<CandidateRecord>,
        stored_at: Option<(String, Vec<Loc>)>,
    ) {
        let seg = match (&stored_at, &self.dir) {
            (Some((file, _)), Some(dir)) => {
                Some(self.records.add_segment(&dir.join("segments"), file))
            }
            _ => None,
        };
        let locs = stored_at.map(|(_, l)| l).unwrap_or_default();
        let place = |i: usize| match (seg, locs.get(i)) {
            (Some(n), Some(&loc)) => Place::Segment(n, loc),
            _ => Place::Held,
        };
        self.labels.fill(records.iter().flat_map(|r| {
            r.skills
                .iter()
                .filter(|s| s.esco.is_none())
                .filter_map(|s| s.label.as_deref())
        }));
        let plan = self.plan(&records);
        for (k, (r, (row, replaces))) in records.into_iter().zip(plan.rows).enumerate() {
            let feat = derive_one(&r, &self.labels, &mut self.vocab);
            let inputs = crate::graduatoria::Inputs::of(&r);
            let profile = crate::law::FunctionalProfile::of(&r);
            if replaces {
                let i = row as usize;
                if self.live.contains(row) {
                    let old = self.records.peek(i, || self.ids[i].clone());
                    self.filters.remove(row, &old, &self.features[i]);
                }
                self.filters.add(row, &r, &feat);
                self.records.set(i, r, place(k));
                self.comune_eqf[i] = feat.comune_eqf();
                self.features[i] = feat;
                self.ranking[i] = inputs;
                self.profiles[i] = profile;
            } else {
                self.filters.add(row, &r, &feat);
                self.by_id.insert(r.id.clone(), row);
                self.ids.push(r.id.clone());
                self.records.push(r, place(k));
                self.comune_eqf.push(feat.comune_eqf());
                self.features.push(feat);
                self.ranking.push(inputs);
                self.profiles.push(profile);
            }
            self.live.insert(row);
            self.hired.remove(row);
        }
        self.filters.finish();
    }

    /// Removes candidates in memory; returns the rows removed.
    pub(super) fn apply_removes(&mut self, ids: &[String]) -> Vec<u32> {
        let mut rows = Vec::new();
        for id in ids {
            if let Some(&row) = self.by_id.get(id) {
                if self.live.remove(row) {
                    let i = row as usize;
                    let old = self.records.peek(i, || self.ids[i].clone());
                    self.filters.remove(row, &old, &self.features[i]);
                    rows.push(row);
                }
            }
        }
        self.filters.finish();
        rows
    }

    pub(super) fn apply_outcome(&mut self, candidate_id: &str, result: OutcomeKind) {
        if let (Some(&row), OutcomeKind::Hired) = (self.by_id.get(candidate_id), result) {
            self.hired.insert(row);
        }
    }

    pub(super) fn set_vacancies(&mut self, vacancies: Vec<VacancyRecord>) {
        self.vacancy_by_id = ids_of(&vacancies);
        self.vacancies = vacancies;
    }

    pub(super) fn rebuild_text_in_memory(&mut self) -> Result<()> {
        let text = TextIndex::create(None)?;
        let mut w = text.writer()?;
        for row in self.live.iter() {
            w.add(row, &self.record_once(row).cv_text)?;
        }
        w.commit(&self.generation.to_string())?;
        text.reload()?;
        self.text = text;
        Ok(())
    }
}
