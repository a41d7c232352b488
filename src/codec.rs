//! The little-endian binary encoding of the snapshot file and of the filter
//! bitmaps in it: [`Enc`] appends values to a buffer, [`Dec`] reads them back
//! bounds-checked, so that no bytes make decoding panic.

use roaring::RoaringBitmap;

use crate::date::Date;

/// Why bytes could not be decoded (for a snapshot: the caller falls back to
/// the segments).
pub(crate) type Bad = String;

/// Appends values to a byte buffer.
#[derive(Default)]
pub(crate) struct Enc {
    pub(crate) buf: Vec<u8>,
}

impl Enc {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    pub(crate) fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    pub(crate) fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub(crate) fn date(&mut self, d: Option<Date>) {
        match d {
            None => self.u8(0),
            Some(d) => {
                self.u8(1);
                self.i32(d.days());
            }
        }
    }
    pub(crate) fn opt<T>(&mut self, v: &Option<T>, f: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                f(self, x);
            }
        }
    }
    pub(crate) fn bitmap(&mut self, bm: &RoaringBitmap) {
        let n = bm.serialized_size();
        self.len(n);
        bm.serialize_into(&mut self.buf).expect("writing to a Vec");
    }
}

/// Reads values back, bounds-checked: a short or malformed buffer is an error,
/// never a panic.
pub(crate) struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Dec { b, pos: 0 }
    }
    pub(crate) fn done(&self) -> bool {
        self.pos == self.b.len()
    }
    pub(crate) fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], Bad> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn arr<const N: usize>(&mut self) -> std::result::Result<[u8; N], Bad> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }
    pub(crate) fn u8(&mut self) -> std::result::Result<u8, Bad> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn bool(&mut self) -> std::result::Result<bool, Bad> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            x => Err(format!("bad flag {x} at byte {}", self.pos - 1)),
        }
    }
    pub(crate) fn u16(&mut self) -> std::result::Result<u16, Bad> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    pub(crate) fn u32(&mut self) -> std::result::Result<u32, Bad> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    pub(crate) fn i32(&mut self) -> std::result::Result<i32, Bad> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    pub(crate) fn u64(&mut self) -> std::result::Result<u64, Bad> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    pub(crate) fn f32(&mut self) -> std::result::Result<f32, Bad> {
        Ok(f32::from_bits(self.u32()?))
    }
    pub(crate) fn f64(&mut self) -> std::result::Result<f64, Bad> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// A length, checked against the bytes left (each item takes at least
    /// `min_item` bytes), so a damaged length cannot ask for a huge allocation.
    pub(crate) fn len(&mut self, min_item: usize) -> std::result::Result<usize, Bad> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item.max(1)) > self.b.len() - self.pos {
            return Err(format!("length {n} overruns the data at byte {}", self.pos));
        }
        Ok(n)
    }
    pub(crate) fn str(&mut self) -> std::result::Result<String, Bad> {
        let n = self.len(1)?;
        let at = self.pos;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| format!("not UTF-8 at byte {at}"))
    }
    pub(crate) fn date(&mut self) -> std::result::Result<Option<Date>, Bad> {
        Ok(match self.u8()? {
            0 => None,
            1 => {
                // Years 0000..=9999, the range ISO dates can spell.
                let days = self.i32()?;
                if !(-719_528..=2_932_896).contains(&days) {
                    return Err(format!("date {days} out of range"));
                }
                Some(Date::from_days(days))
            }
            x => return Err(format!("bad date tag {x}")),
        })
    }
    pub(crate) fn opt<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> std::result::Result<T, Bad>,
    ) -> std::result::Result<Option<T>, Bad> {
        match self.u8()? {
            0 => Ok(None),
            1 => f(self).map(Some),
            x => Err(format!("bad option tag {x} at byte {}", self.pos - 1)),
        }
    }
    pub(crate) fn vec<T>(
        &mut self,
        min_item: usize,
        mut f: impl FnMut(&mut Self) -> std::result::Result<T, Bad>,
    ) -> std::result::Result<Vec<T>, Bad> {
        let n = self.len(min_item)?;
        (0..n).map(|_| f(self)).collect()
    }
    pub(crate) fn pick<T: Copy>(&mut self, all: &[T], what: &str) -> std::result::Result<T, Bad> {
        let i = self.u8()? as usize;
        all.get(i).copied().ok_or_else(|| format!("bad {what} {i}"))
    }
    pub(crate) fn bitmap(&mut self) -> std::result::Result<RoaringBitmap, Bad> {
        let n = self.len(1)?;
        RoaringBitmap::deserialize_from(self.take(n)?).map_err(|e| format!("bitmap: {e}"))
    }
}
