//! CPython's `set`, as far as the order it iterates in: Ansible's `union`, `intersect`,
//! `difference` and `symmetric_difference` filters return `list(set(a) | set(b))` and the like,
//! so their order is the order of CPython's hash table (open addressing with linear probes then
//! perturbed jumps, resized at 60% fill). For numbers that order is the same in every run
//! (`hash(n)` is `n` modulo 2⁶¹−1), so it can be reproduced; for strings it depends on
//! `PYTHONHASHSEED`.
//!
//! [`hash_int`] and [`hash_float`] are Python's `hash()` of numbers; [`Set`] holds any items with
//! their hashes and an equality given by the caller.

const MIN_SIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;
const MODULUS: u64 = (1 << 61) - 1;
const HASH_INF: i64 = 314_159;

/// Python's `hash()` of an integer (bools are 0 and 1).
pub fn hash_int(n: i128) -> i64 {
    let m = (n.unsigned_abs() % u128::from(MODULUS)) as i64;
    let h = if n < 0 { -m } else { m };
    if h == -1 { -2 } else { h }
}

/// Python's `hash()` of a float; `None` for NaN (whose hash is its address).
pub fn hash_float(v: f64) -> Option<i64> {
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        return Some(if v > 0.0 { HASH_INF } else { -HASH_INF });
    }
    if v.fract() == 0.0 && v.abs() < 1e38 {
        return Some(hash_int(v as i128));
    }
    let (mut m, mut e) = frexp(v);
    let sign: i64 = if m < 0.0 {
        m = -m;
        -1
    } else {
        1
    };
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (61 - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % 61
    } else {
        61 - 1 - ((-1 - e) % 61)
    } as u32;
    x = ((x << e) & MODULUS) | (x >> (61 - e));
    let h = (x as i64).wrapping_mul(sign);
    Some(if h == -1 { -2 } else { h })
}

/// C's `frexp`: `v = m * 2^e` with `0.5 <= |m| < 1` (v finite and not zero).
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 {
        return (v, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(v * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

#[derive(Clone)]
enum Slot<T> {
    Unused,
    Dummy,
    Active(i64, T),
}

/// A CPython set's hash table: items in the order CPython would iterate them.
#[derive(Clone)]
pub struct Set<T> {
    table: Vec<Slot<T>>,
    fill: usize,
    used: usize,
}

impl<T: Clone> Default for Set<T> {
    fn default() -> Self {
        Set {
            table: vec![Slot::Unused; MIN_SIZE],
            fill: 0,
            used: 0,
        }
    }
}

impl<T: Clone> Set<T> {
    /// `set(items)`: each item with its hash, added in order.
    pub fn from_items(
        items: impl IntoIterator<Item = (i64, T)>,
        eq: &impl Fn(&T, &T) -> bool,
    ) -> Self {
        let mut set = Set::default();
        for (h, k) in items {
            set.add(h, k, eq);
        }
        set
    }

    /// The items, in iteration order.
    pub fn items(&self) -> impl Iterator<Item = &T> {
        self.table.iter().filter_map(|s| match s {
            Slot::Active(_, k) => Some(k),
            _ => None,
        })
    }

    fn entries(&self) -> impl Iterator<Item = (i64, &T)> {
        self.table.iter().filter_map(|s| match s {
            Slot::Active(h, k) => Some((*h, k)),
            _ => None,
        })
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    fn mask(&self) -> usize {
        self.table.len() - 1
    }

    /// The probe sequence from `hash`: calls `visit` on slot indexes until it returns `true`.
    fn probe(mask: usize, hash: i64, mut visit: impl FnMut(usize) -> bool) -> usize {
        let mut perturb = hash as u64 as usize;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in 0..=probes {
                if visit(i + j) {
                    return i + j;
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb)) & mask;
        }
    }

    /// The slot holding `key`, if any.
    fn find(&self, hash: i64, key: &T, eq: &impl Fn(&T, &T) -> bool) -> Option<usize> {
        let mut found = None;
        Self::probe(self.mask(), hash, |i| match &self.table[i] {
            Slot::Unused => true,
            Slot::Active(h, k) if *h == hash && eq(k, key) => {
                found = Some(i);
                true
            }
            _ => false,
        });
        found
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, hash: i64, key: &T, eq: &impl Fn(&T, &T) -> bool) -> bool {
        self.find(hash, key, eq).is_some()
    }

    /// `set.add`.
    pub fn add(&mut self, hash: i64, key: T, eq: &impl Fn(&T, &T) -> bool) {
        let mut free = None;
        let mut present = false;
        let slot = Self::probe(self.mask(), hash, |i| match &self.table[i] {
            Slot::Unused => true,
            Slot::Active(h, k) if *h == hash && eq(k, &key) => {
                present = true;
                true
            }
            Slot::Dummy => {
                free.get_or_insert(i);
                false
            }
            Slot::Active(..) => false,
        });
        if present {
            return;
        }
        if let Some(free) = free {
            self.table[free] = Slot::Active(hash, key);
            self.used += 1;
            return;
        }
        self.table[slot] = Slot::Active(hash, key);
        self.fill += 1;
        self.used += 1;
        if self.fill * 5 >= self.mask() * 3 {
            let min = if self.used > 50_000 {
                self.used * 2
            } else {
                self.used * 4
            };
            self.resize(min);
        }
    }

    /// `set.discard`: leaves a dummy behind, as CPython does.
    pub fn discard(&mut self, hash: i64, key: &T, eq: &impl Fn(&T, &T) -> bool) -> bool {
        match self.find(hash, key, eq) {
            Some(i) => {
                self.table[i] = Slot::Dummy;
                self.used -= 1;
                true
            }
            None => false,
        }
    }

    fn resize(&mut self, min_used: usize) {
        let mut size = MIN_SIZE;
        while size <= min_used {
            size <<= 1;
        }
        let old = std::mem::replace(&mut self.table, vec![Slot::Unused; size]);
        self.fill = self.used;
        for slot in old {
            if let Slot::Active(h, k) = slot {
                self.insert_clean(h, k);
            }
        }
    }

    /// Inserts an item known to be absent into a table without dummies.
    fn insert_clean(&mut self, hash: i64, key: T) {
        let table = &self.table;
        let i = Self::probe(self.table.len() - 1, hash, |i| {
            matches!(table[i], Slot::Unused)
        });
        self.table[i] = Slot::Active(hash, key);
    }

    /// `so |= other` (CPython's `set_merge`).
    fn merge(&mut self, other: &Set<T>, eq: &impl Fn(&T, &T) -> bool) {
        if other.used == 0 {
            return;
        }
        if (self.fill + other.used) * 5 >= self.mask() * 3 {
            self.resize((self.used + other.used) * 2);
        }
        if self.fill == 0 && self.mask() == other.mask() && other.fill == other.used {
            self.table = other.table.clone();
            self.fill = other.fill;
            self.used = other.used;
            return;
        }
        if self.fill == 0 {
            self.fill = other.used;
            self.used = other.used;
            for (h, k) in other.entries() {
                self.insert_clean(h, k.clone());
            }
            return;
        }
        for (h, k) in other.entries() {
            self.add(h, k.clone(), eq);
        }
    }

    /// `set(self)`: a copy built the way CPython copies.
    pub fn copy(&self, eq: &impl Fn(&T, &T) -> bool) -> Set<T> {
        let mut out = Set::default();
        out.merge(self, eq);
        out
    }

    /// `self | other`.
    pub fn union(&self, other: &Set<T>, eq: &impl Fn(&T, &T) -> bool) -> Set<T> {
        let mut out = self.copy(eq);
        out.merge(other, eq);
        out
    }

    /// `self & other`.
    pub fn intersection(&self, other: &Set<T>, eq: &impl Fn(&T, &T) -> bool) -> Set<T> {
        let (big, small) = if other.len() > self.len() {
            (other, self)
        } else {
            (self, other)
        };
        let mut out = Set::default();
        for (h, k) in small.entries() {
            if big.contains(h, k, eq) {
                out.add(h, k.clone(), eq);
            }
        }
        out
    }

    /// `self - other`.
    pub fn difference(&self, other: &Set<T>, eq: &impl Fn(&T, &T) -> bool) -> Set<T> {
        self.difference_sized(other, other.len(), eq)
    }

    /// `self - other` where `other` is part of a set of `other_len` items whose other items are
    /// of types never equal to `self`'s (the size still decides how CPython builds the result).
    pub fn difference_sized(
        &self,
        other: &Set<T>,
        other_len: usize,
        eq: &impl Fn(&T, &T) -> bool,
    ) -> Set<T> {
        if (self.len() >> 2) > other_len {
            let mut out = self.copy(eq);
            for (h, k) in other.entries() {
                out.discard(h, k, eq);
            }
            return out;
        }
        let mut out = Set::default();
        for (h, k) in self.entries() {
            if !other.contains(h, k, eq) {
                out.add(h, k.clone(), eq);
            }
        }
        out
    }

    /// `self ^ other`: a copy of `other`, updated with `self`'s items.
    pub fn symmetric_difference(&self, other: &Set<T>, eq: &impl Fn(&T, &T) -> bool) -> Set<T> {
        let mut out = other.copy(eq);
        for (h, k) in self.entries() {
            if !out.discard(h, k, eq) {
                out.add(h, k.clone(), eq);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(xs: &[i128]) -> Set<i128> {
        Set::from_items(xs.iter().map(|&x| (hash_int(x), x)), &|a, b| a == b)
    }

    fn list(s: &Set<i128>) -> Vec<i128> {
        s.items().copied().collect()
    }

    // Expected orders are CPython 3.11's `list(set(a) op set(b))`.
    #[test]
    fn orders_as_cpython() {
        let eq = |a: &i128, b: &i128| a == b;
        let (a, b) = (ints(&[3, 2, 0, 255, 1]), ints(&[-17, 1024, 1000, 10]));
        assert_eq!(
            list(&a.union(&b, &eq)),
            [0, 1, 2, 3, 1024, 1000, 10, -17, 255]
        );
        assert_eq!(list(&ints(&[10, 9, 8, 100, 33])), [33, 100, 8, 9, 10]);
        assert_eq!(hash_int(-1), -2);
        assert_eq!(hash_float(1.5), Some(1_152_921_504_606_846_977));
        assert_eq!(hash_float(-2.5), Some(-1_152_921_504_606_846_978));
        assert_eq!(hash_float(0.1), Some(230_584_300_921_369_408));
        assert_eq!(hash_float(1e300), Some(1_224_995_262_755_759_164));
        assert_eq!(hash_float(-0.5), Some(-1_152_921_504_606_846_976));
        assert_eq!(hash_float(f64::INFINITY), Some(314_159));
    }
}
