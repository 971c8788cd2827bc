//! Python's `random.Random`: the Mersenne Twister (MT19937) seeded as CPython seeds it, and the
//! methods built on it (`random`, `getrandbits`, `randrange`, `randint`, `choice`, `shuffle`),
//! so that the `random` and `shuffle` filters give, for a seed, what Ansible gives.

const N: usize = 624;
const M: usize = 397;

/// A seed, as `random.seed(a)` (version 2) takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seed<'a> {
    /// An `int` (or `bool`): its absolute value is the key.
    Int(i128),
    /// A `float`: its `hash()` is the key (a NaN has no stable hash: the generator is then
    /// seeded from entropy, as Python's result is as unpredictable).
    Float(f64),
    /// A `str`: its UTF-8 followed by its SHA-512 is the key.
    Str(&'a str),
    /// `bytes`: the bytes followed by their SHA-512 are the key.
    Bytes(&'a [u8]),
}

/// What `randrange` and `choice` refuse; the texts are Python 3.12's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RandomError {
    /// `randrange(start, stop, step)` with no number in the range.
    #[error("empty range in randrange({start}, {stop}, {step})")]
    EmptyRange {
        /// `start`.
        start: i64,
        /// `stop`.
        stop: i64,
        /// `step`.
        step: i64,
    },
    /// `randrange(..., step=0)`.
    #[error("zero step for randrange()")]
    ZeroStep,
    /// `choice([])`.
    #[error("Cannot choose from an empty sequence")]
    EmptySequence,
}

/// A `random.Random` instance.
#[derive(Debug, Clone)]
pub struct Random {
    state: [u32; N],
    index: usize,
}

impl Random {
    /// `random.Random(seed)`.
    pub fn new(seed: Seed<'_>) -> Random {
        let magnitude = match seed {
            Seed::Int(i) => i.unsigned_abs(),
            Seed::Float(f) if f.is_nan() => return Random::from_entropy(),
            Seed::Float(f) => u128::from(float_hash(f) as u64),
            Seed::Str(s) => return Random::from_key(&hashed_key(s.as_bytes())),
            Seed::Bytes(b) => return Random::from_key(&hashed_key(b)),
        };
        let mut key = Vec::new();
        let mut n = magnitude;
        while n > 0 {
            key.push(n as u32);
            n >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        Random::from_key(&key)
    }

    /// `random.Random()` without a seed: seeded from the standard library's random keys.
    pub fn from_entropy() -> Random {
        use std::hash::{BuildHasher, Hasher};
        let key: Vec<u32> = (0..4)
            .flat_map(|_| {
                let h = std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish();
                [h as u32, (h >> 32) as u32]
            })
            .collect();
        Random::from_key(&key)
    }

    /// MT19937's `init_genrand`.
    fn init_genrand(s: u32) -> Random {
        let mut state = [0u32; N];
        state[0] = s;
        for i in 1..N {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Random { state, index: N }
    }

    /// MT19937's `init_by_array`, as CPython's `random_seed` calls it.
    fn from_key(key: &[u32]) -> Random {
        let mut mt = Random::init_genrand(19_650_218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
        }
        s[0] = 0x8000_0000;
        mt
    }

    /// MT19937's `genrand_uint32`.
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % N] & 0x7fff_ffff);
                let mut v = self.state[(k + M) % N] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random()`: a float in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `getrandbits(k)` for `k` up to 128: 32-bit words from the least significant up, the
    /// last one cut to the bits still needed.
    pub fn getrandbits(&mut self, k: u32) -> u128 {
        let k = k.min(128);
        let mut out = 0u128;
        let mut shift = 0;
        let mut left = k;
        while left > 0 {
            let mut r = self.next_u32();
            if left < 32 {
                r >>= 32 - left;
            }
            out |= u128::from(r) << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        out
    }

    /// `_randbelow(n)`: a number in [0, n), drawing `n.bit_length()` bits until one fits (0 for
    /// `n` = 0, drawing nothing).
    pub fn randbelow(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k) as u64;
            if r < n {
                return r;
            }
        }
    }

    /// `randrange(start, stop, step)`.
    pub fn randrange(&mut self, start: i64, stop: i64, step: i64) -> Result<i64, RandomError> {
        let empty = RandomError::EmptyRange { start, stop, step };
        let width = i128::from(stop) - i128::from(start);
        let step128 = i128::from(step);
        let n = match step {
            0 => return Err(RandomError::ZeroStep),
            1 => width,
            s if s > 0 => floor_div(width + step128 - 1, step128),
            _ => floor_div(width + step128 + 1, step128),
        };
        if n <= 0 {
            return Err(empty);
        }
        let r = self.randbelow(u64::try_from(n).map_err(|_| empty)?);
        Ok((i128::from(start) + step128 * i128::from(r)) as i64)
    }

    /// `randint(a, b)`: `randrange(a, b + 1)`.
    pub fn randint(&mut self, a: i64, b: i64) -> Result<i64, RandomError> {
        self.randrange(a, b.saturating_add(1), 1)
    }

    /// `choice(items)`.
    pub fn choice<'a, T>(&mut self, items: &'a [T]) -> Result<&'a T, RandomError> {
        if items.is_empty() {
            return Err(RandomError::EmptySequence);
        }
        Ok(&items[self.randbelow(items.len() as u64) as usize])
    }

    /// `shuffle(items)`: Fisher-Yates from the end, as Python does.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.randbelow(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Python's `//` on integers: the quotient rounded down.
fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && (a < 0) != (b < 0) {
        q - 1
    } else {
        q
    }
}

/// Version 2 seeding of text and bytes: `int.from_bytes(a + sha512(a).digest(), 'big')` as
/// 32-bit words, least significant first, without leading zero words.
fn hashed_key(bytes: &[u8]) -> Vec<u32> {
    use sha2::Digest;
    let mut all = bytes.to_vec();
    all.extend_from_slice(&sha2::Sha512::digest(bytes));
    let mut words = Vec::new();
    let mut end = all.len();
    while end > 0 {
        let start = end.saturating_sub(4);
        let w = all[start..end]
            .iter()
            .fold(0u32, |w, b| (w << 8) | u32::from(*b));
        words.push(w);
        end = start;
    }
    while words.len() > 1 && words.last() == Some(&0) {
        words.pop();
    }
    words
}

/// Python's `hash(float)` (64-bit): the value modulo the Mersenne prime 2**61 - 1, signed, with
/// -1 turned into -2; `hash(inf)` is 314159.
fn float_hash(v: f64) -> i64 {
    const BITS: i32 = 61;
    const MODULUS: u64 = (1 << BITS) - 1;
    if v.is_infinite() {
        return if v > 0.0 { 314_159 } else { -314_159 };
    }
    let (mut m, mut e) = frexp(v.abs());
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (BITS - 28));
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
        e % BITS
    } else {
        BITS - 1 - ((-1 - e) % BITS)
    };
    x = ((x << e) & MODULUS) | (x >> (BITS - e));
    let mut h = x as i64;
    if v < 0.0 {
        h = -h;
    }
    if h == -1 { -2 } else { h }
}

/// C's `frexp` for a finite, non-negative value: `m` in [0.5, 1) (0 for 0) and `e` with
/// `v = m * 2**e`.
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 {
        return (0.0, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale up into the normal range first.
        let (m, e) = frexp(v * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from CPython 3.11.
    #[test]
    fn like_cpython() {
        let mut r = Random::new(Seed::Int(42));
        assert_eq!(r.random(), 0.6394267984578837);
        let mut r = Random::new(Seed::Int(0));
        assert_eq!(r.getrandbits(32), 3_626_764_237);
        assert_eq!(float_hash(1.5), 1_152_921_504_606_846_977);
        assert_eq!(float_hash(-1.0), -2);
        let mut r = Random::new(Seed::Str("x"));
        let mut v: Vec<u32> = (0..5).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
    }
}
