//! Host names as inventories write them: an optional `:port` suffix (`db:2222`,
//! `[2001:db8::1]:22`) and `[begin:end(:step)]` ranges (`web[01:10]`, `db-[a:c]`, several ranges
//! in one name), expanded the way Ansible's `expand_hostname_range` does.

use regex::Regex;
use std::sync::OnceLock;

/// At most this many names from one host pattern, so a typo such as `web[0:99999999999]` is an
/// error rather than an out-of-memory.
pub(crate) const MAX_EXPANSION: usize = 100_000;

/// A range such as `[1:5]` or `[a:c:2]` that may appear inside a host name or IP address.
const NUMERIC_RANGE: &str = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
const ALNUM_RANGE: &str = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";

struct AddressPatterns {
    bracketed_hostport: Regex,
    hostport: Regex,
    ipv4: Regex,
    ipv6: Regex,
    hostname: Regex,
}

fn patterns() -> &'static AddressPatterns {
    static PATTERNS: OnceLock<AddressPatterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let v4 = format!(r"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{NUMERIC_RANGE})");
        let v6 = format!(r"(?:[0-9a-f]{{1,4}}|{NUMERIC_RANGE})");
        let v4addr = format!(r"(?:{v4}\.){{3}}{v4}");
        // The compressed forms of an IPv6 address, spelt out as alternatives.
        let v6_alternatives = [
            format!(r"(?:{v6}:){{7}}{v6}"),
            format!(r"(?:{v6}:){{1,6}}:"),
            format!(r"(?:{v6}:)(?::{v6}){{1,6}}"),
            format!(r"(?:{v6}:){{2}}(?::{v6}){{1,5}}"),
            format!(r"(?:{v6}:){{3}}(?::{v6}){{1,4}}"),
            format!(r"(?:{v6}:){{4}}(?::{v6}){{1,3}}"),
            format!(r"(?:{v6}:){{5}}(?::{v6}){{1,2}}"),
            format!(r"(?:{v6}:){{6}}(?::{v6})"),
            format!(r":(?::{v6}){{1,6}}"),
            format!(r"{v6}?::"),
            format!(r"(?:0:){{6}}{v4addr}"),
            format!(r"::(?:ffff:)?{v4addr}"),
            format!(r"(?:0:){{5}}ffff:{v4addr}"),
        ];
        // A DNS-ish label: word characters and dashes (or ranges), not ending in `-` or `_`.
        let label =
            format!(r"(?:(?:\w|{ALNUM_RANGE})(?:[\w-]|{ALNUM_RANGE})*)?(?:[^\W_]|{ALNUM_RANGE})");
        let compile = |re: String| {
            Regex::new(&re).unwrap_or_else(|_| Regex::new("$^").expect("trivial regex"))
        };
        AddressPatterns {
            bracketed_hostport: compile(r"^\[(.+)\]:([0-9]+)$".to_owned()),
            hostport: compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$".to_owned()),
            ipv4: compile(format!("^{v4addr}$")),
            ipv6: compile(format!("(?i)^(?:{})$", v6_alternatives.join("|"))),
            hostname: compile(format!(r"(?i)^{label}(?:\.{label})*$")),
        }
    })
}

/// Whether `name` is an IPv4 or IPv6 address (`inventory_hostname_short` keeps those whole).
pub(crate) fn is_ip_address(name: &str) -> bool {
    let p = patterns();
    p.ipv4.is_match(name) || p.ipv6.is_match(name)
}

/// Splits `host:port` (or `[host]:port`) as Ansible's `parse_address` does. `None` when the text
/// is not a host name or address (ranges allowed), with or without a port.
pub(crate) fn parse_address(address: &str) -> Option<(String, Option<u16>)> {
    let p = patterns();
    let mut host = address.to_owned();
    let mut port = None;
    for re in [&p.bracketed_hostport, &p.hostport] {
        if let Some(caps) = re.captures(&host) {
            let (h, digits) = (caps[1].to_owned(), caps[2].to_owned());
            port = Some(digits.parse::<u16>().ok()?);
            host = h;
        }
    }
    if p.ipv4.is_match(&host) || p.ipv6.is_match(&host) || p.hostname.is_match(&host) {
        Some((host, port))
    } else {
        None
    }
}

/// A host key from an inventory (`web[01:03]:2222`): the names it stands for and the port that
/// applies to all of them. Text that is not a valid address is taken as a name as it is.
pub(crate) fn expand_host_pattern(pattern: &str) -> Result<(Vec<String>, Option<u16>), String> {
    let (name, port) = parse_address(pattern).unwrap_or_else(|| (pattern.to_owned(), None));
    let names = if name.contains('[') {
        expand_ranges(&name)?
    } else {
        vec![name]
    };
    Ok((names, port))
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Expands every `[begin:end(:step)]` in `name`, left to right. Numeric bounds with a leading
/// zero keep their width (`[01:10]`); letter bounds run through `a..zA..Z`.
pub(crate) fn expand_ranges(name: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    expand_into(name, &mut out)?;
    Ok(out)
}

fn expand_into(name: &str, out: &mut Vec<String>) -> Result<(), String> {
    let Some(open) = name.find('[') else {
        out.push(name.to_owned());
        return Ok(());
    };
    let Some(close_rel) = name.find(']') else {
        return Err(format!("host range in `{name}` has no closing `]`"));
    };
    if close_rel < open || name.contains('|') {
        return Err(format!(
            "host range in `{name}` is not of the form [begin:end] or [begin:end:step]"
        ));
    }
    let head = &name[..open];
    let inner = &name[open + 1..close_rel];
    let tail = &name[close_rel + 1..];
    let bounds: Vec<&str> = inner.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(format!(
            "host range `[{inner}]` must be begin:end or begin:end:step"
        ));
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(format!("host range `[{inner}]` must specify an end value"));
    }
    let step: i64 = match bounds.get(2) {
        None => 1,
        Some(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("host range `[{inner}]` has a step that is not a number"))?,
    };
    if step == 0 {
        return Err(format!("host range `[{inner}]` has a step of zero"));
    }
    let width = if beg.starts_with('0') && beg.len() > 1 {
        if beg.len() != end.len() {
            return Err(format!(
                "host range `[{inner}]` must specify equal-length begin and end formats"
            ));
        }
        Some(beg.len())
    } else {
        None
    };
    let items: Vec<String> = match (LETTERS.find(beg), LETTERS.find(end)) {
        (Some(b), Some(e)) => {
            if b > e {
                return Err(format!("host range `[{inner}]` must have begin <= end"));
            }
            let letters: Vec<char> = LETTERS[b..=e].chars().collect();
            stepped(letters.len() as i64, step)
                .map(|i| letters[i as usize].to_string())
                .collect()
        }
        _ => {
            let parse = |s: &str| {
                s.trim().parse::<i64>().map(i128::from).map_err(|_| {
                    format!("host range `[{inner}]` is neither numeric nor alphabetic")
                })
            };
            let (b, e) = (parse(beg)?, parse(end)?);
            // Python's `range(begin, end + 1, step)`.
            let step = i128::from(step);
            let stop = e + 1;
            let count = if step > 0 && stop > b {
                (stop - b + step - 1) / step
            } else if step < 0 && b > stop {
                (b - stop - step - 1) / -step
            } else {
                0
            };
            if count > MAX_EXPANSION as i128 {
                return Err(format!(
                    "host range `[{inner}]` expands to more than {MAX_EXPANSION} names"
                ));
            }
            (0..count)
                .map(|i| {
                    let n = b + i * step;
                    match width {
                        Some(w) => format_padded(n, w),
                        None => n.to_string(),
                    }
                })
                .collect()
        }
    };
    for item in items {
        let expanded = format!("{head}{item}{tail}");
        expand_into(&expanded, out)?;
        if out.len() > MAX_EXPANSION {
            return Err(format!(
                "host pattern `{name}` expands to more than {MAX_EXPANSION} names"
            ));
        }
    }
    Ok(())
}

/// Indices `0, step, 2*step...` below `len` (Python's `seq[::step]` for a positive step; a
/// negative step over `begin:end+1` gives nothing).
fn stepped(len: i64, step: i64) -> impl Iterator<Item = i64> {
    let count = if step > 0 && len > 0 {
        (len - 1) / step + 1
    } else {
        0
    };
    (0..count).map(move |i| i * step)
}

/// Python's `str(n).zfill(width)`: zero padding after any sign.
fn format_padded(n: i128, width: usize) -> String {
    if n < 0 {
        format!("-{:0>w$}", n.unsigned_abs(), w = width.saturating_sub(1))
    } else {
        format!("{n:0>width$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ranges_keep_padding() {
        assert_eq!(
            expand_ranges("web[01:03]").unwrap(),
            ["web01", "web02", "web03"]
        );
        assert_eq!(
            expand_ranges("web[8:10]").unwrap(),
            ["web8", "web9", "web10"]
        );
        assert_eq!(
            expand_ranges("web[1:10:4]").unwrap(),
            ["web1", "web5", "web9"]
        );
        assert_eq!(expand_ranges("h[:2]").unwrap(), ["h0", "h1", "h2"]);
        // Python's `range(3, 1 + 1, -1)`: the end stays exclusive-plus-one, whatever the step.
        assert_eq!(expand_ranges("h[3:1:-1]").unwrap(), ["h3"]);
    }

    #[test]
    fn letter_and_multiple_ranges() {
        assert_eq!(expand_ranges("db-[a:c]").unwrap(), ["db-a", "db-b", "db-c"]);
        assert_eq!(expand_ranges("[a:e:2]x").unwrap(), ["ax", "cx", "ex"]);
        assert_eq!(
            expand_ranges("r[1:2]-n[a:b].example.com").unwrap(),
            [
                "r1-na.example.com",
                "r1-nb.example.com",
                "r2-na.example.com",
                "r2-nb.example.com"
            ]
        );
        assert_eq!(expand_ranges("x[y:B]").unwrap().len(), 4);
    }

    #[test]
    fn bad_ranges_are_errors() {
        assert!(expand_ranges("web[1]").is_err());
        assert!(expand_ranges("web[1:]").is_err());
        assert!(expand_ranges("web[01:100]").is_err());
        assert!(expand_ranges("web[c:a]").is_err());
        assert!(expand_ranges("web[1:5:0]").is_err());
        assert!(expand_ranges("web[x:1]").is_err());
        assert!(expand_ranges("web[0:99999999999]").is_err());
        assert!(expand_ranges("web[1:2").is_err());
    }

    #[test]
    fn addresses_and_ports() {
        assert_eq!(parse_address("db:2222"), Some(("db".into(), Some(2222))));
        assert_eq!(
            parse_address("web[01:03]:22"),
            Some(("web[01:03]".into(), Some(22)))
        );
        assert_eq!(
            parse_address("10.0.0.1:22"),
            Some(("10.0.0.1".into(), Some(22)))
        );
        assert_eq!(
            parse_address("[2001:db8::1]:22"),
            Some(("2001:db8::1".into(), Some(22)))
        );
        assert_eq!(
            parse_address("2001:db8::1"),
            Some(("2001:db8::1".into(), None))
        );
        assert_eq!(
            parse_address("web-1.example.com"),
            Some(("web-1.example.com".into(), None))
        );
        assert_eq!(parse_address("web-"), None);
        assert_eq!(parse_address("a*b"), None);
        assert!(is_ip_address("192.168.0.1"));
        assert!(!is_ip_address("web1"));
    }

    #[test]
    fn host_patterns_expand_with_port() {
        let (names, port) = expand_host_pattern("app[1:2]:8022").unwrap();
        assert_eq!(names, ["app1", "app2"]);
        assert_eq!(port, Some(8022));
        let (names, port) = expand_host_pattern("odd name!").unwrap();
        assert_eq!(names, ["odd name!"]);
        assert_eq!(port, None);
    }
}
