//! The per-date cache: who is available and whose availability is fresh for
//! one reference date and freshness, computed once per generation.

use super::*;

/// Who is available and whose availability is fresh, for one reference date and
/// freshness: computed once per (generation, `as_of`, `freshness_days`) and
/// shared by every query with the same values.
#[derive(Debug)]
pub struct DateBitmaps {
    key: (u64, Date, u32),
    /// Rows with a DID not after `as_of`.
    pub available: RoaringBitmap,
    /// Rows whose effective confirmation (the later of the confirmation and
    /// the DID) is not after `as_of` and within `freshness_days` of it.
    pub fresh: RoaringBitmap,
}

impl Index {
    /// The availability bitmaps for a reference date and freshness (cached).
    pub fn dates(&self, as_of: Date, freshness_days: u32) -> std::sync::Arc<DateBitmaps> {
        let key = (self.generation, as_of, freshness_days);
        let mut slot = self.dates.lock().expect("not poisoned");
        if let Some(d) = slot.as_ref().filter(|d| d.key == key) {
            return d.clone();
        }
        let limit = freshness_days as i32;
        let (mut available, mut fresh) = (Vec::new(), Vec::new());
        for row in self.live.iter() {
            let f = &self.features[row as usize];
            if f.did_date.is_some_and(|d| d <= as_of) {
                available.push(row);
            }
            if crate::law::effective_confirmation(f.confirmed, f.did_date)
                .is_some_and(|(c, _)| c <= as_of && as_of.days_since(c) <= limit)
            {
                fresh.push(row);
            }
        }
        let d = std::sync::Arc::new(DateBitmaps {
            key,
            available: RoaringBitmap::from_sorted_iter(available).expect("sorted"),
            fresh: RoaringBitmap::from_sorted_iter(fresh).expect("sorted"),
        });
        *slot = Some(d.clone());
        d
    }
}
