//! What the engine precomputes per candidate row ([`Features`]): the comune, the
//! resolved skills, professions, languages, dates and inferred ESCO occupations
//! that the eligibility pass and the scoring loop read instead of the record.
//! Below the store: the index keeps one per row, the bitmaps of
//! [`crate::filters`] are built from them, the snapshot encodes them. Paths
//! `crate::index::{Features, Small, ...}` are re-exports of these.

use crate::date::Date;
use crate::geo::ComuneId;
use crate::model::CandidateRecord;

/// A short slice kept inline when it has at most `N` items (one allocation
/// less and one cache miss less per row in the scoring loop), on the heap
/// otherwise. Reads as a slice.
#[derive(Clone)]
pub struct Small<T: Copy + Default, const N: usize> {
    len: u32,
    inline: [T; N],
    heap: Box<[T]>,
}

impl<T: Copy + Default, const N: usize> From<Vec<T>> for Small<T, N> {
    fn from(v: Vec<T>) -> Self {
        let mut inline = [T::default(); N];
        if v.len() <= N {
            inline[..v.len()].copy_from_slice(&v);
            Small {
                len: v.len() as u32,
                inline,
                heap: Box::default(),
            }
        } else {
            Small {
                len: v.len() as u32,
                inline,
                heap: v.into_boxed_slice(),
            }
        }
    }
}

impl<T: Copy + Default, const N: usize> std::ops::Deref for Small<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        if self.heap.is_empty() {
            &self.inline[..self.len as usize]
        } else {
            &self.heap
        }
    }
}

impl<T: Copy + Default + std::fmt::Debug, const N: usize> std::fmt::Debug for Small<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Copy + Default + PartialEq, const N: usize> PartialEq for Small<T, N> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// One resolved competence of a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SkillFeature {
    /// Skill key: an ESCO [`SkillId`](crate::taxonomy::SkillId), or an extra key of the index's vocabulary.
    pub key: u32,
    /// How sure the tie to the key is (1 for an ESCO URI or an exact label).
    pub similarity: f32,
    /// Certified by the service.
    pub certified: bool,
    /// Position in the record's `skills`, for explanations.
    pub source: u16,
}

/// A profession of a candidate (an experience or a desired profession),
/// packed for the occupation criterion.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Occupation {
    /// ISCO code as packed by [`crate::taxonomy::isco_pack`].
    pub code: u32,
    /// Months of experience (0 for a desired profession).
    pub months: u32,
    /// A profession agreed in the service pact, not an experience.
    pub desired: bool,
}

/// A language a candidate holds, packed for the language criterion.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LanguageLevel {
    /// ISO 639-1 code (two lowercase letters, as validated).
    pub code: [u8; 2],
    /// CEFR level as [`crate::model::Cefr::rank`] (1 = A1 .. 6 = C2).
    pub rank: u8,
}

impl LanguageLevel {
    /// The CEFR level.
    pub fn cefr(self) -> crate::model::Cefr {
        crate::model::Cefr::ALL[(self.rank.clamp(1, 6) - 1) as usize]
    }
}

/// What the engine precomputes per candidate row: everything the eligibility
/// pass and the scoring loop read in the scored modes, so that they touch this
/// struct and short slices instead of the record and its strings (records of
/// an index opened from its snapshot are read from disk only when asked for).
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Comune of domicile.
    pub comune: ComuneId,
    /// Competences, sorted by key, one per key (the best tie kept).
    pub skills: Small<SkillFeature, 8>,
    /// `availability.max_km` of the record.
    pub max_km: u32,
    /// `education_eqf` of the record.
    pub education_eqf: Option<u8>,
    /// `experiences` then `desired_isco` of the record, in record order.
    pub occupations: Small<Occupation, 5>,
    /// `did_date` of the record.
    pub did_date: Option<Date>,
    /// `availability_confirmed` of the record.
    pub confirmed: Option<Date>,
    /// `languages` of the record, in record order.
    pub languages: Small<LanguageLevel, 3>,
    /// The ESCO occupations the person's skills, experiences and CV titles point to,
    /// best first ([`crate::esco::OccupationProfiles::infer`]); empty without profiles.
    pub esco: Small<crate::esco::Inferred, 3>,
}

impl Features {
    /// The comune and the EQF level (0 for none), packed.
    pub fn comune_eqf(&self) -> (ComuneId, u8) {
        (self.comune, self.education_eqf.unwrap_or(0))
    }

    /// The best level held in a language (ISO 639-1 code), if any.
    pub fn language(&self, code: &str) -> Option<crate::model::Cefr> {
        let code = code.as_bytes();
        self.languages
            .iter()
            .filter(|l| l.code[..] == *code)
            .map(|l| l.cefr())
            .max()
    }

    /// Features from the parts that need the index (comune, resolved skills)
    /// and the record's own values.
    pub(crate) fn new(comune: ComuneId, skills: Vec<SkillFeature>, r: &CandidateRecord) -> Self {
        use crate::taxonomy::isco_pack;
        let occupations = r
            .experiences
            .iter()
            .map(|e| Occupation {
                code: isco_pack(&e.isco, 0xFF),
                months: e.months,
                desired: false,
            })
            .chain(r.desired_isco.iter().map(|d| Occupation {
                code: isco_pack(d, 0xFF),
                months: 0,
                desired: true,
            }))
            .collect::<Vec<_>>()
            .into();
        let esco = infer_occupations(&skills, r);
        Features {
            esco: esco.into(),
            comune,
            skills: skills.into(),
            max_km: r.availability.max_km,
            education_eqf: r.education_eqf,
            occupations,
            did_date: r.did_date,
            confirmed: r.availability_confirmed,
            languages: r
                .languages
                .iter()
                .map(|l| {
                    let b = l.code.as_bytes();
                    LanguageLevel {
                        code: [
                            b.first().copied().unwrap_or(0),
                            b.get(1).copied().unwrap_or(0),
                        ],
                        rank: l.cefr.rank(),
                    }
                })
                .collect::<Vec<_>>()
                .into(),
        }
    }
}

/// The ESCO occupations a candidate's evidence points to (empty without profiles).
fn infer_occupations(skills: &[SkillFeature], r: &CandidateRecord) -> Vec<crate::esco::Inferred> {
    let tax = crate::esco::active();
    if !tax.has_profiles() {
        return Vec::new();
    }
    let n = tax.skills().len() as u32;
    let ev = crate::esco::Evidence {
        skills: skills
            .iter()
            .filter(|s| s.key < n && s.similarity >= crate::taxonomy::DEFAULT_LABEL_THRESHOLD)
            .map(|s| (s.key, s.similarity))
            .collect(),
        isco: r.experiences.iter().map(|e| e.isco.as_str()).collect(),
        desired_isco: r.desired_isco.iter().map(String::as_str).collect(),
        texts: vec![r.cv_text.as_str()],
    };
    tax.profiles().infer(&ev)
}

#[cfg(test)]
mod tests {
    use super::Small;

    #[test]
    fn small_reads_as_the_slice_it_was_made_from_inline_or_on_the_heap() {
        for n in 0..6u32 {
            let v: Vec<u32> = (0..n).collect();
            let s = Small::<u32, 3>::from(v.clone());
            assert_eq!(&*s, v.as_slice());
            assert_eq!(s.heap.is_empty(), n <= 3, "{n} items");
            assert_eq!(s, Small::from(v));
        }
        assert_ne!(
            Small::<u32, 3>::from(vec![1, 2]),
            Small::from(vec![1, 2, 0])
        );
    }
}
