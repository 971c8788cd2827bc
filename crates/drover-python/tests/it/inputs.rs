//! A small deterministic generator (SplitMix64) and the alphabets the tests draw from.

/// Characters that make text hard: quotes, backslashes, controls, separators, non-ASCII letters
/// and digits, a combining mark, astral characters, format and private-use characters.
pub(crate) const HARD_CHARS: &[char] = &[
    'a',
    'b',
    'Z',
    '0',
    '9',
    ' ',
    '\'',
    '"',
    '\\',
    '\n',
    '\r',
    '\t',
    '\0',
    '\x07',
    '\x08',
    '\x0b',
    '\x0c',
    '\x1b',
    '\x1f',
    '\x7f',
    '\u{80}',
    '\u{85}',
    '\u{a0}',
    '\u{ad}',
    'é',
    'ß',
    'Σ',
    'ς',
    '中',
    '٣',
    '²',
    '\u{301}',
    '\u{200b}',
    '\u{2028}',
    '\u{feff}',
    '\u{e000}',
    '\u{ffff}',
    '😀',
    '\u{10ffff}',
    '#',
    '$',
    '{',
    '}',
    '/',
    '%',
    '&',
    ';',
    '|',
    '<',
    '>',
    '*',
    '?',
    '[',
    ']',
    '(',
    ')',
    '-',
    '_',
    '=',
    '+',
    ',',
    '.',
    ':',
    '@',
    '!',
    '~',
    '`',
];

/// SplitMix64.
pub(crate) struct Gen(u64);

impl Gen {
    pub(crate) fn new(seed: u64) -> Gen {
        Gen(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in [0, n).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Up to `max` characters from `chars`.
    pub(crate) fn string_of(&mut self, chars: &[char], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| self.pick(chars)).collect()
    }

    /// Up to `max` characters, mostly hard ones, sometimes any valid code point.
    pub(crate) fn text(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        (0..n)
            .map(|_| {
                if self.chance(15) {
                    loop {
                        let c = char::from_u32(self.below(0x11_0000) as u32);
                        if let Some(c) = c.filter(|c| known_to_python(*c)) {
                            break c;
                        }
                    }
                } else {
                    self.pick(HARD_CHARS)
                }
            })
            .collect()
    }
}

/// Whether every Python 3.9+ has the same Unicode data for `c` as Rust's `regex` tables: it was
/// assigned by Unicode 13.0, or is still unassigned.
pub(crate) fn known_to_python(c: char) -> bool {
    static OLD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    OLD.get_or_init(|| regex::Regex::new(r"^[\p{Age=13.0}\p{Cn}]$").expect("a valid class"))
        .is_match(c.encode_utf8(&mut [0; 4]))
}
