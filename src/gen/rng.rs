//! Pseudo-random numbers: one [`Rng`] per record, seeded by [`record_seed`].

/// SplitMix64 (Steele, Lea and Flood, *Fast splittable pseudorandom number generators*,
/// OOPSLA 2014): a 64-bit counter advanced by the golden-ratio increment, then mixed.
/// Used only to expand a 64-bit seed into the 256-bit state of [`Rng`], as the
/// xoshiro authors recommend.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }
}

/// The SplitMix64 output function (a bijection on `u64`: distinct inputs, distinct outputs).
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Which kind of record a random stream belongs to (part of [`record_seed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A candidate.
    Candidate,
    /// A vacancy.
    Vacancy,
}

/// The seed of the random stream of one record: `mix(mix(mix(seed ^ K) ^ kind) ^ index)`.
/// Each step is a bijection, so for a given `seed` and `kind` distinct indexes get
/// distinct seeds, and a record's data depends on nothing but these three values.
pub fn record_seed(seed: u64, kind: RecordKind, index: u64) -> u64 {
    let kind = match kind {
        RecordKind::Candidate => 0x4341_4E44, // "CAND"
        RecordKind::Vacancy => 0x5641_4341,   // "VACA"
    };
    mix64(mix64(mix64(seed ^ 0x726F_7361_2D67_656E) ^ kind) ^ index)
}

/// xoshiro256** 1.0 (Blackman and Vigna, *Scrambled linear pseudorandom number
/// generators*, 2018): 256 bits of state, period 2^256 − 1, passes BigCrush; fast and
/// small enough to create one per record. Not cryptographic. Seeded through
/// [`SplitMix64`]. Integers in a range use Lemire's multiply-and-reject method, so they
/// are exactly uniform and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is four outputs of [`SplitMix64`] started at `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        if s == [0; 4] {
            // The all-zero state is the one xoshiro cannot leave; SplitMix64 never gives
            // it in practice, but a generator must not be able to get stuck.
            return Rng { s: [1, 0, 0, 0] };
        }
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n`.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    ///
    /// # Panics
    /// If `lo > hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        assert!(lo <= hi, "Rng::range({lo}, {hi})");
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// Uniform in `[0, 1)`, with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given relative weights (not all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        weights.len() - 1
    }

    /// An index drawn from a cumulative weight table (strictly positive total).
    pub(super) fn cumulative(&mut self, cum: &[u64]) -> usize {
        let r = self.below(*cum.last().expect("non-empty cumulative table"));
        cum.partition_point(|&c| c <= r)
    }
}

/// An amount in euros with cents, uniform in `lo_eur..=hi_eur` (one draw).
pub(super) fn cents(rng: &mut Rng, lo_eur: u32, hi_eur: u32) -> f64 {
    rng.range(lo_eur * 100, hi_eur * 100) as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_and_xoshiro_match_reference_outputs() {
        // SplitMix64 from 0: the reference implementation's first output.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        // xoshiro256** from the state {1, 2, 3, 4}.
        let mut r = Rng { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(got, [11520, 0, 1509978240, 1215971899390074240]);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(7);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
        assert_eq!(r.below(1), 0);
        assert!((0..1000).all(|_| (3..=5).contains(&r.range(3, 5))));
    }

    #[test]
    fn record_seeds_differ_by_kind_and_index() {
        let a = record_seed(1, RecordKind::Candidate, 0);
        assert_ne!(a, record_seed(1, RecordKind::Candidate, 1));
        assert_ne!(a, record_seed(1, RecordKind::Vacancy, 0));
        assert_ne!(a, record_seed(2, RecordKind::Candidate, 0));
    }
}
