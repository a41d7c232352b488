//! The pruned top-k (issue 17): on thousands of generated vacancies of both profiles,
//! the rows it returns, their scores and their order (ties included) are exactly those
//! of scoring every eligible row, and it does skip rows. The distance rule's bitmap
//! is checked against the per-row rule on the way.

mod common;

use common::check_best;
use rosa::date::Date;
use rosa::gen::{generate, GenConfig, Profile};
use rosa::index::Index;
use rosa::model::VacancyRecord;
use rosa::query::Query;
use rosa::roster::{self, top_k_exhaustive, top_k_pruned};
use rosa::rules::{self, Rule};
use rosa::Policy;

/// The vacancy as generated, with every skill, licence and language made optional
/// (wide pools), and with no skills and no text at all (scores tie in crowds).
fn variants(v: &VacancyRecord) -> Vec<VacancyRecord> {
    let mut relaxed = v.clone();
    for s in &mut relaxed.skills {
        s.required = false;
    }
    for l in &mut relaxed.licences {
        l.required = false;
    }
    for l in &mut relaxed.languages {
        l.required = false;
    }
    relaxed.education_required = false;
    let mut bare = relaxed.clone();
    bare.skills.clear();
    bare.text.clear();
    vec![v.clone(), relaxed, bare]
}

struct Tally {
    compared: usize,
    pruned_pools: usize,
    rows: usize,
    scored: usize,
    /// Narrowing suggestions checked against the per-row counts.
    narrowed: usize,
    /// The largest excess of a loose bound over the bound.
    loose_gap: f64,
    /// Pools that took [`roster::best`]'s wide path.
    wide: usize,
}

/// The narrowing suggestions read from histograms and bitmaps give the counts
/// of a pass over every eligible row: education at the minimum, 12 months in
/// the vacancy's unit group, and the tightest radius keeping `cap` people.
/// Returns how many suggestions of those kinds were checked.
fn check_narrowing(q: &Query, index: &Index, v: &VacancyRecord, rows: &[u32]) -> usize {
    let cap = v.cap();
    let got = roster::narrowing(q, index, rows, cap);
    let mut checked = 0;
    for n in &got {
        let want = if n.parameter.starts_with("education:") {
            let min = v.education_eqf_min.unwrap();
            rows.iter()
                .filter(|&&r| index.features(r).education_eqf.is_some_and(|e| e >= min))
                .count() as u64
        } else if n.parameter.starts_with("experience:") {
            rows.iter()
                .filter(|&&r| {
                    index.features(r).occupations.iter().any(|o| {
                        !o.desired
                            && o.months >= 12
                            && rosa::taxonomy::isco_shared_packed(q.isco_target, o.code) == 4
                    })
                })
                .count() as u64
        } else if n.parameter.starts_with("distance:") {
            let mut km: Vec<f64> = rows
                .iter()
                .map(|&r| q.km(index.features(r).comune))
                .collect();
            km.sort_by(f64::total_cmp);
            let radius = km[cap as usize - 1].ceil().max(1.0);
            assert_eq!(
                n.parameter,
                format!("distance:workplace within {radius:.0} km"),
                "vacancy {}",
                v.id
            );
            km.iter().filter(|&&d| d <= radius).count() as u64
        } else {
            continue;
        };
        assert_eq!(n.eligible, want, "vacancy {}: {}", v.id, n.parameter);
        checked += 1;
    }
    checked
}

fn check_profile(profile: Profile, candidates: usize, vacancies: usize, seed: u64) -> Tally {
    let data = generate(&GenConfig {
        candidates,
        vacancies,
        seed,
        as_of: Date::parse("2026-11-01").unwrap(),
        profile,
    });
    let index = Index::build(None, data.candidates, Vec::new(), None).expect("index");
    if profile == Profile::Wide {
        // Common terms scored for every row and kept, as on a national index.
        index.text().set_dense_min_docs(64);
    }
    let policy = Policy::default();
    let mut t = Tally {
        compared: 0,
        pruned_pools: 0,
        rows: 0,
        scored: 0,
        narrowed: 0,
        loose_gap: 0.0,
        wide: 0,
    };
    for v in data.vacancies.iter().flat_map(variants) {
        let mut q = Query::new(&index, &v, &policy).expect("valid vacancy");
        if q.template.is_some() {
            continue; // graduatorie are ranked by their template, never pruned
        }
        // The distance rule's bitmap is the per-row rule over everyone.
        let reach = index.filters().within_reach(q.km_table());
        let per_row: roaring::RoaringBitmap = index
            .live()
            .iter()
            .filter(|&r| rules::passes(Rule::Distance, &q, &index, r))
            .collect();
        assert_eq!(reach, per_row, "vacancy {}: rows within reach", v.id);
        let el = roster::eligibility(&q, &index);
        // BM25 of the eligible only (a merge of postings and targets) is the
        // full disjunction's, restricted to them.
        let words = format!("{} {}", v.title, v.text);
        let all = index.text().scores(&words).expect("scores");
        let want: Vec<(u32, f32)> = all
            .into_iter()
            .filter(|(r, _)| el.rows.binary_search(r).is_ok())
            .collect();
        assert_eq!(
            index.text().scores_for(&words, &el.rows).expect("scores"),
            want,
            "vacancy {}: BM25 of the eligible",
            v.id
        );
        t.narrowed += check_narrowing(&q, &index, &v, &el.rows);
        q.load_text(&index, &el.rows).expect("text");
        let max = roster::max_bm25(&q, &el.rows);
        // The loose bound (no rounding) is never below the bound, to the bit.
        let bound = rosa::score::Bound::new(&q, &index);
        for (&r, &b) in el.rows.iter().zip(&q.bm25_column(&el.rows)) {
            let (exact, _) = bound.of(&q, &index, r, b, max);
            let loose = bound.loose(&q, &index, r, b, max);
            assert!(
                loose >= exact,
                "vacancy {} row {r}: loose {loose} < {exact}",
                v.id
            );
            t.loose_gap = t.loose_gap.max(loose - exact);
        }
        for (k, seed) in [(15, 60), (15, 15), (3, 12), (1, 1)] {
            let want = top_k_exhaustive(&q, &index, &el.rows, max, k);
            let got = top_k_pruned(&q, &index, &el.rows, max, k, seed);
            assert_eq!(
                got.best,
                want,
                "vacancy {} ({} eligible), k {k}, seed {seed}",
                v.id,
                el.rows.len()
            );
            t.compared += 1;
            if el.rows.len() > seed.max(k) {
                t.pruned_pools += 1;
                t.rows += el.rows.len();
                t.scored += got.scored;
            }
        }
        // The roster's own path (pruned when the pool is large enough).
        let cap = v.cap() as usize;
        assert_eq!(
            roster::top_k(&q, &index, &el.rows, max, cap),
            top_k_exhaustive(&q, &index, &el.rows, max, cap),
            "vacancy {}",
            v.id
        );
        t.wide += check_best(&index, &v, &policy, &el.rows, max);
    }
    t
}

#[test]
fn pruned_top_k_is_the_exhaustive_top_k_on_both_profiles() {
    for (profile, candidates, vacancies) in
        [(Profile::Wide, 3000, 400), (Profile::Default, 6000, 400)]
    {
        let t = check_profile(profile, candidates, vacancies, 17);
        assert!(
            t.narrowed >= 200,
            "{profile:?}: {} narrowing counts checked",
            t.narrowed
        );
        // Thousands of comparisons, most of them on pools the pruning works on.
        assert!(
            t.compared >= 3000,
            "{profile:?}: {} comparisons",
            t.compared
        );
        assert!(
            t.pruned_pools * 2 >= t.compared,
            "{profile:?}: only {} of {} comparisons on pools larger than the seed",
            t.pruned_pools,
            t.compared
        );
        let wide = if profile == Profile::Wide { 300 } else { 20 };
        assert!(t.wide >= wide, "{profile:?}: {} wide pools", t.wide);
        // And it skips rows: fewer than half of them are fully scored.
        assert!(
            t.scored * 2 < t.rows,
            "{profile:?}: scored {} of {} rows",
            t.scored,
            t.rows
        );
        println!(
            "{profile:?}: {} comparisons, {} on pruned pools, {} of {} rows scored, {} wide",
            t.compared, t.pruned_pools, t.scored, t.rows, t.wide
        );
    }
}
