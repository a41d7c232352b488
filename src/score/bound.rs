//! Upper bounds of the score for the pruned top-k: per row ([`Bound`]) and per
//! class of rows read from bitmaps ([`Reach`]).

use super::*;

/// What [`score`] can reach at most, prepared once per query (max-score pruning
/// of the top-k).
///
/// A row's bound is its score computed without the search for related skills (the
/// costly part): a vacancy skill the person lacks counts as if its best related
/// skill were held, certified and exactly labelled. Every other criterion is exact.
/// A row in none of the postings of the vacancy's skills and their related skills
/// earns no skill credit, so its skills value is exact and the same for all such
/// rows, computed once. Where no missing skill has related skills to stand in, the
/// bound is the score itself, to the bit (same operations), and [`Bound::of`] says so.
///
/// It is an upper bound to the bit: every value is computed by the same operations
/// in the same order as in [`score`], with factors no smaller (similarity and
/// certification 1, relatedness its maximum), and rounding, products of
/// non-negative numbers and sums are monotone in IEEE arithmetic.
pub struct Bound {
    /// Per vacancy skill, the best relatedness of its related skills (0 without).
    caps: Vec<f64>,
    /// Rows holding a key of some vacancy skill or of one of its related skills.
    holders: RoaringBitmap,
    /// The skills value of every other row (exact).
    none: f64,
    /// The policy's weights, in criteria order, and what the roundings of
    /// [`score`] can add to their weighted sum at most (see [`Bound::loose`]).
    weights: [f64; 6],
    slack: f64,
}

impl Bound {
    /// Prepares the bound of a query.
    pub fn new(q: &Query, index: &Index) -> Bound {
        let caps: Vec<f64> = q
            .skills
            .iter()
            .map(|s| s.related.iter().map(|&(_, r)| r).fold(0.0f32, f32::max) as f64)
            .collect();
        // Rows holding a vacancy skill or one of its related skills: only they can
        // earn skill credit. Everyone else has the skills value of a person without
        // features, exactly (no related skill held, no partial credit).
        let holders = index.filters().skill_any(
            q.skills
                .iter()
                .flat_map(|s| s.keys().chain(s.related.iter().map(|&(k, _)| k))),
        );
        let none = skills(q, index, &[], false, None).0;
        let weights = q.policy.weights.named().map(|(_, w)| w);
        // Each value rounded to 4 decimals rises by half a unit at most, each
        // weighted point and the total to 10 decimals by half a unit each; 1e-9
        // covers the floating-point error of sums and products of values ≤ 1.
        let slack = 0.5e-4 * weights.iter().sum::<f64>() + 7.0 * 0.5e-10 + 1e-9;
        Bound {
            caps,
            holders,
            none,
            weights,
            slack,
        }
    }

    /// The bound of a row, whose [`Query::bm25`] is `bm25`, and whether it is the
    /// row's score itself (no skill it lacks has related skills to stand in for).
    pub fn of(&self, q: &Query, index: &Index, row: u32, bm25: f32, max_bm25: f32) -> (f64, bool) {
        let (values, exact) = self.values(q, index, row, bm25, max_bm25);
        (combine(&q.policy.weights.named(), values).1, exact)
    }

    /// A cheaper bound of a row, never below [`Bound::of`]'s: the weighted sum of
    /// the same values without [`score`]'s roundings (a division each), plus
    /// what those roundings can add at most. The top-k takes it for every row
    /// and [`Bound::of`] only for the rows it cannot rule out.
    pub fn loose(&self, q: &Query, index: &Index, row: u32, bm25: f32, max_bm25: f32) -> f64 {
        let (values, _) = self.values(q, index, row, bm25, max_bm25);
        let sum: f64 = self.weights.iter().zip(values).map(|(w, v)| w * v).sum();
        sum + self.slack
    }

    /// The criteria values of the bound, and whether they are the row's own.
    fn values(
        &self,
        q: &Query,
        index: &Index,
        row: u32,
        bm25: f32,
        max_bm25: f32,
    ) -> ([f64; 6], bool) {
        let (skills, exact) = if q.skills.is_empty() {
            (1.0, true)
        } else if self.holders.contains(row) {
            let feats = &index.features(row).skills;
            let exact = q
                .skills
                .iter()
                .zip(&self.caps)
                .all(|(s, &cap)| cap == 0.0 || q.skill_match(s, feats).is_some());
            (skills(q, index, feats, false, Some(&self.caps)).0, exact)
        } else {
            (self.none, true)
        };
        let values = [
            skills,
            occupation(q, index, row, false).0,
            education(q, index, row, false).0,
            languages(q, index, row, false).0,
            distance(q, index, row, false).0,
            text(bm25, max_bm25, false).0,
        ];
        (values, exact)
    }
}

/// Upper bounds of the score for whole sets of rows, read from bitmaps rather
/// than row by row: the top-k of a wide pool looks only at the rows whose class
/// can reach the `k`-th score.
///
/// A row's class is what the bitmaps say of it: whether it holds a vacancy skill
/// or a related one ([`Bound`]'s holders: skills value at most 1, else exactly
/// [`Bound`]'s `none`), how many leading ISCO digits its closest known
/// occupation shares with the vacancy's (`i`, the ISCO part at most `i`/4), and
/// the closeness of its closest inferred ESCO occupation (`c`, the ESCO part at
/// most `c`, strengths being at most 1). Education, languages, distance and
/// text count at most 1 each. The class bound is [`Bound::loose`]'s sum with
/// these values, which are no smaller than the row's own, so it is no smaller
/// than the row's loose bound, hence than its score.
pub struct Reach<'b> {
    bound: &'b Bound,
    index: &'b Index,
    /// The skill classes, prepared once: a skills value at most and the rows
    /// it bounds (holders of a vacancy skill or a related one at 1, the others
    /// at [`Bound`]'s exact `none`; everyone at 1 without skills asked).
    skills: Vec<(f64, RoaringBitmap)>,
    /// `isco[i - 1]`: rows with a known occupation sharing at least `i` leading
    /// ISCO digits with the vacancy's (empty when the vacancy's is unknown).
    isco: [RoaringBitmap; 4],
    /// ESCO occupations closer than 0 to the vacancy's, closest first.
    closest: Vec<(f32, crate::esco::OccId)>,
    /// `(n, rows)`: the rows for which one of the first `n` of `closest` is
    /// inferred, the last union asked for (thresholds are asked in descending
    /// order, so each extends the previous).
    esco: std::cell::RefCell<(usize, RoaringBitmap)>,
    share: f64,
    /// Whether the occupation criterion mixes the ESCO part in.
    mixed: bool,
}

impl<'b> Reach<'b> {
    /// Prepares the classes of a query.
    pub fn new(bound: &'b Bound, q: &Query, index: &'b Index) -> Reach<'b> {
        let filters = index.filters();
        let skills = if q.skills.is_empty() {
            vec![(1.0, filters.all().clone())]
        } else {
            vec![
                (1.0, bound.holders.clone()),
                (bound.none, filters.all() - &bound.holders),
            ]
        };
        let isco = if is_unknown_occupation(&q.vacancy.isco) {
            Default::default()
        } else {
            let exact: Vec<RoaringBitmap> = (1..=4)
                .map(|i| filters.with_occupation(|c| isco_shared_packed(q.isco_target, c) == i))
                .collect();
            let mut nested: [RoaringBitmap; 4] = Default::default();
            let mut acc = RoaringBitmap::new();
            for i in (0..4).rev() {
                acc |= &exact[i];
                nested[i] = acc.clone();
            }
            nested
        };
        let mut closest: Vec<(f32, crate::esco::OccId)> = q
            .occupation_closeness
            .iter()
            .enumerate()
            .filter(|(_, &(c, _))| c > 0.0)
            .map(|(o, &(c, _))| (c, o as crate::esco::OccId))
            .collect();
        closest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Reach {
            bound,
            index,
            skills,
            isco,
            closest,
            esco: Default::default(),
            share: q.policy.scoring.esco_occupation_share,
            mixed: !q.occupation_closeness.is_empty(),
        }
    }

    /// The bound of a class: skills value `s`, `i` ISCO digits shared, ESCO
    /// closeness `c`.
    fn class(&self, s: f64, i: usize, c: f32) -> f64 {
        let isco = i as f64 / 4.0;
        let occupation = if self.mixed {
            self.share * c as f64 + (1.0 - self.share) * isco
        } else {
            isco
        };
        let values = [s, occupation, 1.0, 1.0, 1.0, 1.0];
        let sum: f64 = self
            .bound
            .weights
            .iter()
            .zip(values)
            .map(|(w, v)| w * v)
            .sum();
        sum + self.bound.slack
    }

    /// Every class bound, highest first, without repeats.
    pub fn levels(&self) -> Vec<f64> {
        let skills: Vec<f64> = self.skills.iter().map(|&(s, _)| s).collect();
        let top = if self.isco[0].is_empty() { 0 } else { 4 };
        let mut levels: Vec<f64> = skills
            .iter()
            .flat_map(|&s| {
                (0..=top).flat_map(move |i| {
                    std::iter::once(0.0)
                        .chain(self.closest.iter().map(|&(c, _)| c))
                        .map(move |c| self.class(s, i, c))
                })
            })
            .collect();
        levels.sort_by(|a, b| b.total_cmp(a));
        levels.dedup();
        levels
    }

    /// The rows whose class bound reaches `threshold`: a superset of the rows
    /// whose score does.
    pub fn rows(&self, threshold: f64) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        for &(s, ref rows) in &self.skills {
            if rows.is_empty() {
                continue;
            }
            let mut occupied = RoaringBitmap::new();
            for i in 0..=4 {
                let shared = if i == 0 {
                    self.index.filters().all()
                } else {
                    &self.isco[i - 1]
                };
                if shared.is_empty() {
                    break;
                }
                if self.class(s, i, 0.0) >= threshold {
                    occupied |= shared;
                    break; // the lower levels of `shared` reach it too
                }
                // The closest occupations whose class reaches the threshold: a
                // prefix of `closest`, the class falling with the closeness.
                let n = self
                    .closest
                    .partition_point(|&(c, _)| self.class(s, i, c) >= threshold);
                if n > 0 {
                    occupied |= &self.esco_prefix(n) & shared;
                }
            }
            out |= occupied & rows;
        }
        out
    }

    /// The rows for which one of the first `n` of `closest` is inferred.
    fn esco_prefix(&self, n: usize) -> RoaringBitmap {
        let mut cache = self.esco.borrow_mut();
        if n < cache.0 {
            *cache = (0, RoaringBitmap::new());
        }
        if n > cache.0 {
            let more = self.closest[cache.0..n].iter().map(|&(_, o)| u32::from(o));
            let extra = self.index.filters().with_esco(more);
            cache.1 |= extra;
            cache.0 = n;
        }
        cache.1.clone()
    }
}
