//! The best `k` eligible rows: exhaustive, max-score pruned ([`top_k`]), and the
//! roster's path over wide pools ([`best`]).

use super::*;

/// Pools up to this size are scored exhaustively: bounding them costs about what
/// scoring does.
const PRUNE_FROM: usize = 256;

/// The best `k` eligible rows (ascending `rows`) as `(score, row)` in entry order.
///
/// In scored modes rows that cannot enter the top `k` are never fully scored
/// (max-score style): every row gets its [`score::Bound`] (exact but for partial
/// credit through related skills, the costly part), the rows with the highest
/// bounds are scored first, and the rest are scored only if their bound reaches
/// the `k`-th score found. A row whose bound is below it scores below `k` rows
/// already found, so the result is [`top_k_exhaustive`]'s, ties included.
pub fn top_k(q: &Query, index: &Index, rows: &[u32], max_bm25: f32, k: usize) -> Vec<(f64, u32)> {
    if q.template.is_some() || k == 0 || rows.len() <= PRUNE_FROM.max(4 * k) {
        return top_k_exhaustive(q, index, rows, max_bm25, k);
    }
    top_k_pruned(q, index, rows, max_bm25, k, (4 * k).max(64)).best
}

/// The best `k` eligible rows (ascending `rows`) as `(score, row)` in entry
/// order, and the best BM25 among them all (the text criterion's
/// normalisation). Loads into `q` the BM25 of the rows it scores, the best
/// among them: what the entries read.
///
/// The same result as loading every row's BM25 and taking [`top_k_exhaustive`],
/// ties included. A wide pool in a scored mode is not read row by row: the best
/// BM25 comes from [`crate::text::TextIndex::max_among`], and only the rows whose
/// class ([`score::Reach`]) can reach the `k`-th score get their BM25 and
/// [`top_k`]. The classes are tried from the highest down until at least `k`
/// eligible rows are in them; the `k`-th score among those is a floor of the
/// final one, and a row outside every class reaching it cannot enter the top.
pub fn best(
    q: &mut Query,
    index: &Index,
    rows: &[u32],
    k: usize,
) -> Result<(f32, Vec<(f64, u32)>)> {
    // Narrower pools: their BM25 costs less than finding its best elsewhere.
    let narrow = rows.len() * crate::text::WIDE_SHARE < index.len();
    if q.template.is_some() || k == 0 || rows.len() <= PRUNE_FROM.max(4 * k) || narrow {
        q.load_text(index, rows)?;
        let max = max_bm25(q, rows);
        return Ok((max, top_k(q, index, rows, max, k)));
    }
    let eligible = RoaringBitmap::from_sorted_iter(rows.iter().copied()).expect("ascending rows");
    let max = q.best_bm25(index, rows)?;
    let bound = score::Bound::new(q, index);
    let reach = score::Reach::new(&bound, q, index);
    let levels = reach.levels();
    // The highest classes holding k eligible rows (galloping down the levels).
    let (mut at, mut some) = (0, RoaringBitmap::new());
    while at < levels.len() {
        some = reach.rows(levels[at]) & &eligible;
        if some.len() >= k as u64 || at + 1 == levels.len() {
            break;
        }
        at = (2 * at + 1).min(levels.len() - 1);
    }
    let mut best = top_in(q, index, &bound, &some, max, k)?;
    // Rows outside those classes are bounded by the next level: if it reaches
    // the k-th score found, the classes reaching that score are taken whole.
    let floor = best.get(k - 1).map_or(f64::NEG_INFINITY, |b| b.0);
    if levels.get(at + 1).is_some_and(|&next| next >= floor) {
        let more = reach.rows(floor) & &eligible;
        if more.len() > some.len() {
            best = top_in(q, index, &bound, &more, max, k)?;
        }
    }
    Ok((max, best))
}

/// [`top_k`] of a set of rows, loading into `q` the BM25 of those it scores.
///
/// A row's text value is at most 1 (its BM25 at most the best, `max`), so every
/// row first gets its loose bound with that value; the highest bounds are
/// scored with their BM25, and only the rows whose bound reaches the `k`-th
/// score found get theirs loaded for [`top_k`].
fn top_in(
    q: &mut Query,
    index: &Index,
    bound: &score::Bound,
    rows: &RoaringBitmap,
    max: f32,
    k: usize,
) -> Result<Vec<(f64, u32)>> {
    let rows: Vec<u32> = rows.iter().collect();
    let seed = (4 * k).max(64);
    if rows.len() <= PRUNE_FROM.max(seed) {
        q.load_text(index, &rows)?;
        return Ok(top_k(q, index, &rows, max, k));
    }
    let mut loose: Vec<(f64, u32)> = rows
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| {
            let q = &*q;
            chunk
                .iter()
                .map(move |&r| (bound.loose(q, index, r, max, max), r))
                .collect::<Vec<_>>()
        })
        .collect();
    loose.select_nth_unstable_by(seed - 1, |a, b| b.0.total_cmp(&a.0));
    let mut first: Vec<u32> = loose[..seed].iter().map(|&(_, r)| r).collect();
    first.sort_unstable();
    q.load_text(index, &first)?;
    let found = top_k_exhaustive(q, index, &first, max, k);
    let threshold = found[k - 1].0;
    let mut near: Vec<u32> = loose
        .iter()
        .filter(|&&(b, _)| b >= threshold)
        .map(|&(_, r)| r)
        .collect();
    near.sort_unstable();
    q.load_text(index, &near)?;
    Ok(top_k(q, index, &near, max, k))
}

/// What [`top_k_pruned`] found and how much it scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Pruned {
    /// The best `k` as `(score, row)` in entry order.
    pub best: Vec<(f64, u32)>,
    /// Rows fully scored (the others were bounded only).
    pub scored: usize,
}

/// [`top_k`]'s pruned path in a scored mode, the `seed` highest bounds scored
/// first (`seed` ≥ 1). Public for the test that holds it to [`top_k_exhaustive`].
pub fn top_k_pruned(
    q: &Query,
    index: &Index,
    rows: &[u32],
    max_bm25: f32,
    k: usize,
    seed: usize,
) -> Pruned {
    assert!(q.template.is_none(), "graduatoria modes are not pruned");
    if k == 0 || rows.len() <= seed.max(k) {
        let best = top_k_exhaustive(q, index, rows, max_bm25, k);
        return Pruned {
            best,
            scored: rows.len(),
        };
    }
    let bound = score::Bound::new(q, index);
    let bm25 = q.bm25_column(rows);
    // Every row's loose bound (no rounding), by position in `rows`.
    let mut loose: Vec<(f64, u32)> = rows
        .par_chunks(CHUNK)
        .zip(bm25.par_chunks(CHUNK))
        .enumerate()
        .flat_map_iter(|(c, (rows, bm25))| {
            rows.iter()
                .zip(bm25)
                .enumerate()
                .map(|(i, (&r, &b))| {
                    (
                        bound.loose(q, index, r, b, max_bm25),
                        (c * CHUNK + i) as u32,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // The exact bound of the rows at these positions.
    let bounded = |at: &[(f64, u32)]| -> Vec<(f64, u32, bool)> {
        at.iter()
            .map(|&(_, i)| {
                let (r, b) = (rows[i as usize], bm25[i as usize]);
                let (value, exact) = bound.of(q, index, r, b, max_bm25);
                (value, r, exact)
            })
            .collect()
    };
    // The highest bounds first (which of equal bounds does not matter: the
    // threshold only decides what is scored, the order decides the result).
    let seed = seed.max(k);
    loose.select_nth_unstable_by(seed - 1, |a, b| b.0.total_cmp(&a.0));
    let (first, rest) = loose.split_at(seed);
    let mut scored = 0;
    let mut best = top_of(q, index, &bounded(first), max_bm25, k, &mut scored);
    // `seed` ≥ k rows scored: the k-th score is a floor of the final k-th
    // score. A row can reach it only if its bound does, hence its loose bound.
    let threshold = best[k - 1].0;
    let near: Vec<(f64, u32)> = rest
        .iter()
        .filter(|&&(loose, _)| loose >= threshold)
        .copied()
        .collect();
    let contenders: Vec<(f64, u32, bool)> = bounded(&near)
        .into_iter()
        .filter(|&(bound, _, _)| bound >= threshold)
        .collect();
    best.extend(top_of(q, index, &contenders, max_bm25, k, &mut scored));
    best.sort_by(|a, b| entry_order(q, index, *a, *b));
    best.truncate(k);
    Pruned { best, scored }
}

/// The best `k` of bounded rows: a bound that is the score is taken as it is, the
/// others are scored (counted in `scored`).
fn top_of(
    q: &Query,
    index: &Index,
    bounded: &[(f64, u32, bool)],
    max_bm25: f32,
    k: usize,
    scored: &mut usize,
) -> Vec<(f64, u32)> {
    let mut rows: Vec<u32> = bounded
        .iter()
        .filter(|&&(_, _, exact)| !exact)
        .map(|&(_, r, _)| r)
        .collect();
    rows.sort_unstable();
    *scored += rows.len();
    let mut best = top_k_exhaustive(q, index, &rows, max_bm25, k);
    best.extend(
        bounded
            .iter()
            .filter(|&&(_, _, exact)| exact)
            .map(|&(score, r, _)| (score, r)),
    );
    let order = |a: &(f64, u32), b: &(f64, u32)| entry_order(q, index, *a, *b);
    if best.len() > k {
        best.select_nth_unstable_by(k, order);
        best.truncate(k);
    }
    best.sort_by(order);
    best
}

/// Scores every row and returns the best `k` as `(score, row)` in entry order.
pub fn top_k_exhaustive(
    q: &Query,
    index: &Index,
    rows: &[u32],
    max_bm25: f32,
    k: usize,
) -> Vec<(f64, u32)> {
    let order = |a: &(f64, u32), b: &(f64, u32)| entry_order(q, index, *a, *b);
    let best = rows
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut scored: Vec<(f64, u32)> = chunk
                .iter()
                .map(|&r| (entry_score(q, index, r, max_bm25, false).0, r))
                .collect();
            if scored.len() > k {
                scored.select_nth_unstable_by(k, order);
                scored.truncate(k);
            }
            scored
        })
        .reduce(Vec::new, |mut a, b| {
            a.extend(b);
            if a.len() > k {
                a.select_nth_unstable_by(k, order);
                a.truncate(k);
            }
            a
        });
    let mut best = best;
    best.sort_by(order);
    best.truncate(k);
    best
}
