//! Skills and their written forms: which skills a record names, and how people write
//! them (URI, Italian or English label, a typing error).

use super::tables::{SkillForm, SkillPool};
use super::Rng;

/// How a skill is written in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// ESCO URI and English label (50%).
    UriEnglish,
    /// Italian label only (25%).
    Italian,
    /// English label only (15%).
    English,
    /// Misspelled label only (10%).
    Typo,
}

fn draw_form(rng: &mut Rng) -> Form {
    match rng.below(100) {
        0..=49 => Form::UriEnglish,
        50..=74 => Form::Italian,
        75..=89 => Form::English,
        _ => Form::Typo,
    }
}

/// Writes a skill in the given form: `(esco, label)`.
pub(super) fn write_skill(
    rng: &mut Rng,
    s: &SkillForm,
    form: Form,
) -> (Option<String>, Option<String>) {
    match form {
        Form::UriEnglish => (Some(s.uri.to_string()), Some(s.en.to_string())),
        Form::Italian => match s.it.as_slice() {
            [] => (None, Some(s.en.to_string())),
            labels => {
                // Mostly the first (most natural) label, sometimes another synonym.
                let l = if labels.len() > 1 && rng.chance(0.35) {
                    *rng.pick(labels)
                } else {
                    labels[0]
                };
                (None, Some(vary_italian(rng, l)))
            }
        },
        Form::English => (None, Some(s.en.to_string())),
        Form::Typo => {
            let base = if !s.it.is_empty() && rng.chance(0.5) {
                *rng.pick(&s.it)
            } else {
                s.en
            };
            (None, Some(misspell(rng, base)))
        }
    }
}

/// Chooses up to `n` distinct skills: mostly from `main`, some from `side` and `generic`,
/// each with a written form (an Italian form is drawn from skills that have Italian labels).
pub(super) fn choose_skills<'t>(
    rng: &mut Rng,
    n: usize,
    main: &'t SkillPool,
    side: Option<&'t SkillPool>,
    generic: &'t SkillPool,
) -> Vec<(&'t SkillForm, Form)> {
    let mut out: Vec<(&SkillForm, Form)> = Vec::with_capacity(n);
    let mut attempts = 0;
    while out.len() < n && attempts < n * 6 {
        attempts += 1;
        let form = draw_form(rng);
        let pool = match rng.below(100) {
            0..=79 => main,
            80..=89 => side.unwrap_or(main),
            _ => generic,
        };
        let skill = if form == Form::Italian {
            let pool = if pool.italian.is_empty() {
                generic
            } else {
                pool
            };
            &pool.skills[*rng.pick(&pool.italian)]
        } else {
            rng.pick(&pool.skills)
        };
        if out.iter().all(|(s, _)| s.id != skill.id) {
            out.push((skill, form));
        }
    }
    out
}

/// An Italian label as people type it: mostly as written, sometimes lowercase,
/// capitalised, uppercase, or with accents dropped or written as apostrophes.
fn vary_italian(rng: &mut Rng, label: &str) -> String {
    match rng.below(100) {
        0..=59 => label.to_string(),
        60..=79 => label.to_lowercase(),
        80..=87 => capitalise(label),
        88..=91 => label.to_uppercase(),
        _ => {
            let apostrophe = rng.chance(0.5);
            let mut out = String::with_capacity(label.len() + 2);
            for c in label.chars() {
                let base = match c {
                    'à' | 'á' => Some('a'),
                    'è' | 'é' => Some('e'),
                    'ì' | 'í' => Some('i'),
                    'ò' | 'ó' => Some('o'),
                    'ù' | 'ú' => Some('u'),
                    _ => None,
                };
                match base {
                    Some(b) => {
                        out.push(b);
                        if apostrophe {
                            out.push('\'');
                        }
                    }
                    None => out.extend(c.to_lowercase()),
                }
            }
            out
        }
    }
}

/// A label with one typing error: a letter dropped, two adjacent letters swapped, or a
/// letter doubled. The first letter is kept, so the result stays recognisable.
pub(super) fn misspell(rng: &mut Rng, label: &str) -> String {
    let chars: Vec<char> = label.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    let mut out = chars.clone();
    if letters.is_empty() {
        out.push(chars.last().copied().unwrap_or('x'));
    } else {
        let i = *rng.pick(&letters);
        let op = if chars.len() < 4 { 2 } else { rng.below(3) };
        match op {
            0 => {
                out.remove(i);
            }
            1 if i + 1 < chars.len()
                && chars[i + 1].is_alphabetic()
                && chars[i + 1] != chars[i] =>
            {
                out.swap(i, i + 1)
            }
            1 if chars[i - 1].is_alphabetic() && chars[i - 1] != chars[i] => out.swap(i - 1, i),
            _ => out.insert(i, chars[i]),
        }
    }
    out.into_iter().collect()
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// How a CV or an ad names a skill in prose: an Italian label when there is one.
fn prose_label(s: &SkillForm) -> &'static str {
    s.it.first().copied().unwrap_or(s.en)
}

/// Up to `n` distinct skill names for Italian prose: the record's own skills that have
/// an Italian label, then other Italian-labelled skills of the profession, and English
/// labels only when nothing else is left.
pub(super) fn prose_labels(
    rng: &mut Rng,
    chosen: &[(&SkillForm, Form)],
    pool: &SkillPool,
    n: usize,
) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::with_capacity(n);
    let add = |out: &mut Vec<&'static str>, l: &'static str| {
        if out.len() < n && !out.contains(&l) {
            out.push(l);
        }
    };
    let in_pool = |s: &SkillForm| pool.skills.iter().any(|p| p.id == s.id);
    for (s, _) in chosen
        .iter()
        .filter(|(s, _)| !s.it.is_empty() && in_pool(s))
    {
        add(&mut out, prose_label(s));
    }
    if !pool.italian.is_empty() {
        let start = rng.below(pool.italian.len() as u64) as usize;
        for k in 0..pool.italian.len() {
            let s = &pool.skills[pool.italian[(start + k) % pool.italian.len()]];
            add(&mut out, prose_label(s));
        }
    }
    for (s, _) in chosen {
        add(&mut out, prose_label(s));
    }
    out
}
