//! The trigram index of normalised labels that proposes fuzzy-match candidates.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// How many trigram candidates are scored with the edit-distance measures.
const CANDIDATES: usize = 32;

/// A candidate must share at least this percentage of the query's trigrams. One typo
/// in a 7-letter word (*welidng*) leaves 3 of 7.
pub(super) const MIN_SHARED_PERCENT: usize = 60;

/// Per-thread scratch space for candidate retrieval, reused across calls.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) counts: Vec<u16>,
    touched: Vec<u32>,
    pub(super) grams: Vec<u64>,
    /// (document frequency, packed trigram, gram id or `u32::MAX`).
    query_grams: Vec<(u32, u64, u32)>,
    /// (inverted Dice, entry, shared trigrams).
    pub(super) ranked: Vec<(u32, u32, u32)>,
}

/// FxHash-style hasher with a final avalanche: the keys are reference labels and packed
/// trigrams (not attacker-controlled), and SipHash would dominate the load time.
#[derive(Default, Clone, Copy)]
pub(super) struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // murmur3 fmix64, so that the low bits used for bucket selection depend on all
        // input bits (a packed trigram's low bits are just its last char).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Words in the per-entry bitmask of frequent trigrams.
const MASK_WORDS: usize = 4;
/// The most frequent trigrams (by number of labels containing them) get a bit in each
/// entry's mask instead of being walked through their long posting lists.
const FREQUENT_GRAMS: usize = MASK_WORDS * 64;
const NO_BIT: u16 = u16::MAX;

/// The distinct character trigrams of a normalised text padded with one space on each
/// side (`"tig"` → `" ti"`, `"tig"`, `"ig "`), packed 21 bits per char, sorted.
pub(super) fn trigrams(normalised: &str, out: &mut Vec<u64>) {
    out.clear();
    let mut window = [' ', ' ', ' '];
    let mut n = 1;
    for c in normalised.chars().chain(std::iter::once(' ')) {
        window = [window[1], window[2], c];
        n += 1;
        if n >= 3 {
            out.push((window[0] as u64) << 42 | (window[1] as u64) << 21 | window[2] as u64);
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Character-trigram inverted index over the normalised reference labels (the entries).
pub(super) struct GramIndex {
    /// Packed trigram -> gram id.
    pub(super) ids: FastMap<u64, u32>,
    /// Gram id -> its posting list `postings[offsets[id]..offsets[id + 1]]`.
    offsets: Vec<u32>,
    /// Entry indices, ascending within each gram.
    postings: Vec<u32>,
    /// Gram id -> bit in the frequent-gram masks, or [`NO_BIT`].
    bit_of: Vec<u16>,
    /// Per entry: which frequent grams it contains.
    masks: Vec<[u64; MASK_WORDS]>,
    /// Per entry: number of distinct trigrams.
    pub(super) entry_grams: Vec<u16>,
}

impl GramIndex {
    pub(super) fn build<'a>(texts: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let n = texts.len();
        let mut ids: FastMap<u64, u32> = FastMap::default();
        let mut keys: Vec<u64> = Vec::new();
        let mut forward: Vec<u32> = Vec::with_capacity(n * 32);
        let mut forward_end: Vec<u32> = Vec::with_capacity(n);
        let mut entry_grams = Vec::with_capacity(n);
        let mut grams = Vec::new();
        for text in texts {
            trigrams(text, &mut grams);
            entry_grams.push(u16::try_from(grams.len()).unwrap_or(u16::MAX));
            for &g in &grams {
                let id = *ids.entry(g).or_insert_with(|| {
                    keys.push(g);
                    keys.len() as u32 - 1
                });
                forward.push(id);
            }
            forward_end.push(forward.len() as u32);
        }
        let mut df = vec![0u32; keys.len()];
        forward.iter().for_each(|&id| df[id as usize] += 1);
        let mut offsets = Vec::with_capacity(keys.len() + 1);
        offsets.push(0u32);
        for &d in &df {
            offsets.push(offsets.last().copied().unwrap_or(0) + d);
        }
        let mut cursor = offsets[..keys.len()].to_vec();
        let mut postings = vec![0u32; forward.len()];
        let mut start = 0;
        for (entry, &end) in forward_end.iter().enumerate() {
            for &id in &forward[start..end as usize] {
                postings[cursor[id as usize] as usize] = entry as u32;
                cursor[id as usize] += 1;
            }
            start = end as usize;
        }
        let mut by_df: Vec<u32> = (0..keys.len() as u32).collect();
        by_df.sort_unstable_by_key(|&id| (std::cmp::Reverse(df[id as usize]), keys[id as usize]));
        let mut bit_of = vec![NO_BIT; keys.len()];
        for (bit, &id) in by_df.iter().take(FREQUENT_GRAMS).enumerate() {
            bit_of[id as usize] = bit as u16;
        }
        let mut masks = vec![[0u64; MASK_WORDS]; n];
        let mut start = 0;
        for (mask, &end) in masks.iter_mut().zip(&forward_end) {
            for &id in &forward[start..end as usize] {
                let bit = bit_of[id as usize];
                if bit != NO_BIT {
                    mask[usize::from(bit) / 64] |= 1 << (bit % 64);
                }
            }
            start = end as usize;
        }
        GramIndex {
            ids,
            offsets,
            postings,
            bit_of,
            masks,
            entry_grams,
        }
    }

    fn posting(&self, id: u32) -> &[u32] {
        &self.postings[self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize]
    }

    /// Fills `scratch.ranked` with up to [`CANDIDATES`] entries that share at least
    /// [`MIN_SHARED_PERCENT`] of the query's trigrams, highest Dice coefficient first (ties:
    /// lower entry index), each with its number of shared trigrams.
    ///
    /// Prefix filter: an entry sharing at least `t` of the `nq` query trigrams shares at
    /// least one of any `nq - t + 1` of them, so only the posting lists of the
    /// `nq - t + 1` rarest query trigrams are walked; the other `t - 1` are counted from
    /// the entries' frequent-gram masks (or walked too when they have no bit).
    pub(super) fn candidates(&self, query: &str, scratch: &mut Scratch) {
        let Scratch {
            counts,
            touched,
            grams,
            query_grams,
            ranked,
        } = scratch;
        trigrams(query, grams);
        ranked.clear();
        let nq = grams.len();
        if nq == 0 {
            return;
        }
        query_grams.clear();
        query_grams.extend(grams.iter().map(|g| match self.ids.get(g) {
            Some(&id) => (
                self.offsets[id as usize + 1] - self.offsets[id as usize],
                *g,
                id,
            ),
            None => (0, *g, u32::MAX),
        }));
        query_grams.sort_unstable();
        let min_shared = ((nq * MIN_SHARED_PERCENT).div_ceil(100)).max(1);
        let probes = nq - min_shared + 1;
        if counts.len() < self.masks.len() {
            counts.resize(self.masks.len(), 0);
        }
        let mut query_mask = [0u64; MASK_WORDS];
        for (i, &(_, _, id)) in query_grams.iter().enumerate() {
            if id == u32::MAX {
                continue;
            }
            let bit = self.bit_of[id as usize];
            if i >= probes && bit != NO_BIT {
                query_mask[usize::from(bit) / 64] |= 1 << (bit % 64);
                continue;
            }
            for &e in self.posting(id) {
                let c = &mut counts[e as usize];
                if *c == 0 {
                    touched.push(e);
                }
                *c = c.saturating_add(1);
            }
        }
        for &e in touched.iter() {
            let walked = u32::from(std::mem::take(&mut counts[e as usize]));
            let mask = &self.masks[e as usize];
            let masked: u32 = (0..MASK_WORDS)
                .map(|w| (mask[w] & query_mask[w]).count_ones())
                .sum();
            let shared = walked + masked;
            if (shared as usize) < min_shared {
                continue;
            }
            let total = nq as u32 + u32::from(self.entry_grams[e as usize]);
            // Dice in 1/2^20 units, inverted so that ascending order is best first.
            let dice = ((shared * 2) << 20) / total;
            ranked.push((u32::MAX - dice, e, shared));
        }
        touched.clear();
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable(CANDIDATES - 1);
            ranked.truncate(CANDIDATES);
        }
        ranked.sort_unstable();
    }
}
