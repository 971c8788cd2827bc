//! Times `drover_python::re` on a generated 2 MB configuration-like text: each pattern once on
//! the plain `regex` path and once in a spelling that needs backtracking (so `fancy-regex`
//! runs it), `finditer` over the whole text, best of 5. Run by `bench/re.sh` (release build),
//! which also times CPython's `re` on the same text.

// A benchmark prints its table: that is its output.
#![allow(clippy::print_stdout)]

use drover_python::re::{Flags, Kind, Regex};
use std::time::Instant;

/// The text: config lines, some commented, some with versions and doubled words.
fn text() -> String {
    let mut out = String::new();
    for i in 0..40_000 {
        out.push_str(&match i % 5 {
            0 => format!("#PermitRootLogin yes {i}\n"),
            1 => format!("PermitRootLogin no {i}\n"),
            2 => format!("version: nginx/1.{}.{} (Ubuntu)\n", i % 30, i % 7),
            3 => format!("name = demo{} demo{}\n", i % 3, i % 4),
            _ => format!("port={}\n", 8000 + i % 100),
        });
    }
    out
}

fn main() {
    let text = text();
    let hay = text.as_bytes();
    let multiline = Flags {
        multiline: true,
        ..Flags::default()
    };
    // (name, plain spelling, backtracking spelling of the same search)
    let cases = [
        (
            "setting",
            r"^PermitRootLogin\s+\w+",
            r"^(?=P)PermitRootLogin\s+\w+",
        ),
        (
            "version",
            r"nginx/(\d+(?:\.\d+)*)",
            r"(?<=nginx/)(\d+(?:\.\d+)*)",
        ),
        ("word", r"\bdemo\d\b", r"\bdemo\d(?![0-9])"),
        ("line end", r"\d+$", r"\d++$"),
        // Empty matches almost everywhere: each is followed by Python's retry for a non-empty
        // match at the same place.
        ("empty", r"\d*", r"(?=)\d*"),
    ];
    println!("| pattern | plain regex ms | fancy-regex ms | matches |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, plain, fancy) in cases {
        let mut row = Vec::new();
        let mut counts = Vec::new();
        for pattern in [plain, fancy] {
            let re = Regex::new(pattern, Kind::Text, multiline).expect("a valid pattern");
            let mut best = f64::MAX;
            let mut n = 0;
            for _ in 0..5 {
                let start = Instant::now();
                n = re.finditer(hay).count();
                best = best.min(start.elapsed().as_secs_f64() * 1000.0);
            }
            row.push(best);
            counts.push(n);
        }
        assert_eq!(
            counts[0], counts[1],
            "{name}: both spellings find the same matches"
        );
        println!(
            "| `{name}` | {:.1} | {:.1} | {} |",
            row[0], row[1], counts[0]
        );
    }
    // Filters compile their pattern on every call: what one compile and one short search cost.
    println!();
    println!("| compile + search of a short value | µs |");
    println!("| --- | ---: |");
    for pattern in [
        r"^v?(\d+)\.(\d+)",
        r"^v?(\d+)\.(\d+)$",
        r"^v?(\d+)\.(?=\d)(\d+)$",
    ] {
        let start = Instant::now();
        let rounds = 2000;
        for _ in 0..rounds {
            let re = Regex::new(pattern, Kind::Text, Flags::default()).expect("a valid pattern");
            assert!(re.search(b"v1.25").is_some());
        }
        let each = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        println!("| `{pattern}` | {each:.1} |");
    }
}
