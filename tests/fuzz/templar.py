"""Seeded case generator for the template fuzzer, evaluated by ansible-core's own templar.

Run by crates/drover-template/tests/fuzz.rs with the reference venv's python:

    python tests/fuzz/templar.py --seed 1 --cases 3000

Writes one JSON object per line on stdout, one per case:

    {"id": 7, "family": "filter:union", "src": "{{ [3, 1] | union(x) }}",
     "vars": {...}, "tvars": {...}, "unordered": false, "ansible": <outcome>}

`vars` are data (untrusted strings, never rendered: Ansible's `!unsafe`, drover's data layer);
`tvars` are trusted templates rendered when used (a playbook's vars). The outcome is type-tagged
so that nothing is lost in JSON: {"t": "int", "v": "<decimal>"}, {"t": "float", "v": "<repr>"}
(inf, -inf, nan included), {"t": "str"|"bool", "v": ...}, {"t": "none"},
{"t": "list", "v": [...]}, {"t": "dict", "v": [[key, value], ...]}, {"t": "other", "v": "<repr>"}
or {"t": "error", "v": "<message>"}. `unordered` marks results whose order Python itself leaves
to string hashing (set operations over strings): compare them as multisets.

The same seed gives the same cases (the generator uses only its own random.Random).
"""

import argparse
import datetime
import json
import math
import os
import random
import resource
import signal
import sys

os.environ.setdefault("ANSIBLE_DEPRECATION_WARNINGS", "False")
os.environ.setdefault("ANSIBLE_NOCOLOR", "1")

# --- values ------------------------------------------------------------------------------------

INTS = [0, 1, -1, 2, 3, 7, 10, 42, -17, 255, 1000, 1024, 65536, 2**31, 2**53 + 1, 2**63 - 1,
        -(2**63), 2**63, 2**64 - 1]
# Beyond 64 bits: drawn less often, since a result that holds one is a known exception.
BIG_INTS = [2**64, 2**70, -(2**65), 10**20, 12345678901234567890123]
FLOATS = [0.0, -0.0, 0.5, 1.5, 2.0, -2.5, 0.1, 3.14159, 1e-7, 1e16, 1e300, 123456.789, 1e22,
          float("inf"), float("-inf"), float("nan")]
FINITE = FLOATS[:-3]
STRS = ["", "a", "abc", "Hello World", "héllo wörld", "日本語テキスト", "a,b,c", "  padded  ",
        "line1\nline2\n", "line1\nline2", "100", "-7", "3.5", "0x1f", "1e3", "yes", "no", "True",
        "false", "on", "%s and %d", "{} and {0}", "it's", 'say "hi"', "a.b-c_d", "/usr/local/bin/",
        "/etc/../tmp//x.tar.gz", "C:\\Users\\x\\f.txt", "foo=1 bar=2", "1KB", "2 MiB", "10.5M",
        "1.5 Gb", "3 kb", "x" * 40, "tab\there", "<b>&'\"</b>", "$HOME/x", "ab12cd34",
        "The quick brown fox", "2024-01-31 12:34:56", "aGVsbG8gd29ybGQ=", "a\\b", "ß", "ǅ",
        "http://user:pw@example.com:8080/p/a?q=1&r=2#frag", "[1, 2]", "{'a': 1}", "null",
        "  ", "\u00a0nbsp", "emoji 😀", "MiXeD cAsE", "snake_case_name", "1.2.3", "2.10.0"]
KEYS = ["a", "b", "key", "name", "value", "x", "Z", "é", "10", "1", "k k"]
VAR_NAMES = ["v1", "v2", "v3", "v4"]


class Gen:
    """Random values, as Python data, and Jinja source for them."""

    def __init__(self, rng):
        self.r = rng

    def choice(self, xs):
        return xs[self.r.randrange(len(xs))]

    def scalar(self):
        k = self.r.random()
        if k < 0.01:
            return self.choice(BIG_INTS)
        if k < 0.3:
            return self.choice(INTS)
        if k < 0.45:
            return self.choice(FLOATS if k < 0.32 else FINITE)
        if k < 0.85:
            return self.choice(STRS)
        if k < 0.95:
            return self.choice([True, False])
        return None

    def value(self, depth=0):
        k = self.r.random()
        if depth < 2 and k < 0.2:
            return self.list(depth + 1)
        if depth < 2 and k < 0.3:
            return self.dict(depth + 1)
        return self.scalar()

    def list(self, depth=0, item=None):
        n = self.choice([0, 1, 2, 3, 3, 4, 5])
        item = item or (lambda: self.value(depth + 1))
        return [item() for _ in range(n)]

    def dict(self, depth=0, item=None):
        n = self.choice([0, 1, 2, 3])
        item = item or (lambda: self.value(depth + 1))
        return {self.choice(KEYS): item() for _ in range(n)}

    def num(self):
        k = self.r.random()
        if k < 0.05:
            return self.choice(BIG_INTS)
        return self.choice(INTS) if k < 0.6 else self.choice(FLOATS)

    def small_int(self):
        return self.choice([0, 1, 2, 3, 4, 5, 8, 10, 16, -1, -3])

    def str(self):
        return self.choice(STRS)

    def numlist(self):
        return self.list(item=lambda: self.choice(INTS[:14] + FLOATS[:10]))

    def intlist(self):
        return self.list(item=lambda: self.choice(INTS[:12] + [2**63]))

    def strlist(self):
        return self.list(item=self.str)

    def dictlist(self):
        return self.list(item=lambda: self.dict(1, item=lambda: self.choice(
            INTS[:6] + STRS[:8] + [True, None, [1, 2], {"x": 1}])))

    def path(self):
        return self.choice(["/usr/local/bin/", "/etc/hosts", "a/b/../c", "/a//b/./c/", "x.tar.gz",
                            "", ".", "..", "/", "~nobody_nope/x", "rel/path.txt", "/tmp/d/",
                            "C:\\Users\\x\\f.txt", "\\\\server\\share\\f", "héllo/wörld.txt"])


def is_plain(v):
    """Whether v fits drover's JSON variables (64-bit ints, finite floats, string keys)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return True
    if isinstance(v, int):
        return -(2**63) <= v < 2**64
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list):
        return all(is_plain(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and is_plain(x) for k, x in v.items())
    return False


def lit(v):
    """Jinja source for a Python value."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "none"
    if isinstance(v, int):
        return str(v) if v >= 0 else "(%d)" % v
    if isinstance(v, float):
        if math.isnan(v):
            return "('nan' | float)"
        if math.isinf(v):
            return "('inf' | float)" if v > 0 else "('-inf' | float)"
        return repr(v) if v >= 0 and not str(v).startswith("-") else "(%r)" % v
    if isinstance(v, str):
        body = v.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
        return "'%s'" % body
    if isinstance(v, list):
        return "[" + ", ".join(lit(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (lit(k), lit(x)) for k, x in v.items()) + "}"
    raise TypeError(type(v))


class Case:
    """One case being built: its variables and the source of its operands."""

    def __init__(self, gen):
        self.g = gen
        self.vars = {}
        self.tvars = {}

    def operand(self, v):
        """Source for v: a literal, or (when it fits) a data variable holding it."""
        if is_plain(v) and self.g.r.random() < 0.35:
            name = "v%d" % (len(self.vars) + 1)
            self.vars[name] = v
            return name
        return lit(v)

    def special(self):
        """An operand with an unusual origin: undefined, a trusted template or unsafe data."""
        k = self.g.r.random()
        if k < 0.25:
            return self.g.choice(["undefined_var", "v_missing.attr", "{}.nokey", "[][3]"])
        if k < 0.65:
            name = "t%d" % (len(self.tvars) + 1)
            self.tvars[name] = self.g.choice([
                "{{ 2 + 3 }}", "{{ [1, 2] }}", "x{{ 1 }}y", "{{ 'abc' | upper }}", "{{ undefined_var }}",
                "{{ {'a': 1} }}", "{{ 1.5 }}", "{{ none }}", "{{ true }}", "plain", "{{ 2 ** 70 }}"])
            return name
        name = "v%d" % (len(self.vars) + 1)
        self.vars[name] = self.g.choice(["{{ 1 + 1 }}", "{% if true %}x{% endif %}", "{{ undefined_var }}",
                                         "{{ lookup('pipe', 'id') }}", "plain {{ text"])
        return name


# --- filters, tests and lookups --------------------------------------------------------------
#
# Each spec: (input kind, [positional arg kinds], {keyword: kind}); kinds are methods of Kinds.
# A filter may have several specs; one is picked per case, and arguments may be dropped from
# the end or a random value substituted, so both accepted and rejected shapes are tried.

class Kinds:
    def __init__(self, gen):
        self.g = gen

    def any(self): return self.g.value()
    def scalar(self): return self.g.scalar()
    def num(self): return self.g.num()
    def int(self): return self.g.choice(INTS)
    def small(self): return self.g.small_int()
    def tiny(self): return self.g.choice([0, 1, 2, 3, -1])
    def str(self): return self.g.str()
    def bool(self): return self.g.choice([True, False])
    def list(self): return self.g.list()
    def numlist(self): return self.g.numlist()
    def intlist(self): return self.g.intlist()
    def strlist(self): return self.g.strlist()
    def dictlist(self): return self.g.dictlist()
    def dict(self): return self.g.dict()
    def path(self): return self.g.path()
    def paths(self): return self.g.list(item=self.g.path)
    def key(self): return self.g.choice(KEYS)
    def numstr(self): return self.g.choice(["1", "42", "-3", "3.5", "0x1f", "0b101", "0o17", "1e3",
                                            " 12 ", "1_000", "abc", "", "99999999999999999999999"])
    def bytestr(self): return self.g.choice(["1KB", "2 MiB", "10.5M", "1.5 Gb", "3 kb", "1024", "1 B",
                                             "12", "5 Mb", "1 TB", "2.5", "x", "1 KiB", "10 EB", "0"])
    def regex(self): return self.g.choice(["a", "^a", "b$", "(?i)HELLO", "\\d+", "(\\w+)=(\\d+)",
                                           "^", "$", "^line", "(?P<n>o)", "[aeiou]", ".", "\\s+",
                                           "x*", "(a)|(b)", "(", "é", "\\bfox\\b", "^(.*)$"])
    def repl(self): return self.g.choice(["", "X", "\\1", "[\\g<0>]", "\\g<n>", "$", "-", "\\\\"])
    def hashtype(self): return self.g.choice(["sha1", "md5", "sha256", "sha512", "nope"])
    def fmt(self): return self.g.choice(["%s", "%d", "%5.2f", "%x", "%r", "%s-%s", "%%", "%(a)s",
                                         "%-6s|", "%05d", "%e", "%c", "%o", "%i", "%.3s", "{}"])
    def strftime(self): return self.g.choice(["%Y-%m-%d", "%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%a %b %d",
                                              "%j %U %w", "%s", "%%", "%y%m%d", "%I %p", "x"])
    def timestamp(self): return self.g.choice([0, 1, 86400, 1700000000, 1700000000.5, -1,
                                               2**40, "0", "1700000000", None, 1e20])
    def datestr(self): return self.g.choice(["2024-01-31 12:34:56", "2024-01-31", "1999-12-31 23:59:59",
                                             "bad", "2024-02-30 00:00:00"])
    def datefmt(self): return self.g.choice(["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y"])
    def style(self): return self.g.choice(["plain", "erlang", "c", "cblock", "xml", "nope"])
    def seq(self): return self.g.choice(["start=1 end=5", "1-5", "start=0 end=10 stride=3",
                                         "start=5 end=1 stride=-1", "count=4", "start=1 count=3 format=h%02d",
                                         "0x10-0x12", "end=3", "start=3 end=1", "bad"])
    def version(self): return self.g.choice(["1.2.3", "2.10.0", "1.2", "1.10", "1.2.3a", "0.9", "3"])
    def vop(self): return self.g.choice(["<", ">=", "==", "!=", "lt", "ge", "eq", "ne", "gt", "le", "bad"])
    def unit(self): return self.g.choice(["K", "M", "G", "B", "b", "T", "KB", "x"])
    def attr(self): return self.g.choice(KEYS[:5])
    def filter_name(self): return self.g.choice(["upper", "lower", "string", "int", "float", "bool",
                                                 "length", "first", "trim", "abs", "list", "b64encode",
                                                 "quote", "type_debug", "to_json", "default"])
    def test_name(self): return self.g.choice(["defined", "none", "string", "number", "integer",
                                               "float", "truthy", "falsy", "odd", "even",
                                               "mapping", "sequence", "boolean", "iterable"])


FILTERS = {
    "abs": [("num", [], {})],
    "attr": [("dict", ["key"], {})],
    "b64decode": [("str", [], {}), ("str", [], {"urlsafe": "bool"})],
    "b64encode": [("str", [], {}), ("str", [], {"urlsafe": "bool"})],
    "basename": [("path", [], {})],
    "batch": [("list", ["small"], {}), ("list", ["small", "scalar"], {})],
    "bool": [("scalar", [], {})],
    "capitalize": [("str", [], {})],
    "center": [("str", ["small"], {})],
    "checksum": [("str", [], {})],
    "combine": [("dict", ["dict"], {}), ("dict", ["dict"], {"recursive": "bool"}),
                ("dict", ["dict", "dict"], {"list_merge": "str"})],
    "comment": [("str", [], {}), ("str", ["style"], {}), ("str", [], {"prefix": "str", "postfix": "str"}),
                ("str", [], {"decoration": "str"})],
    "commonpath": [("paths", [], {})],
    "count": [("any", [], {})],
    "d": [("any", ["any"], {}), ("any", ["any", "bool"], {})],
    "default": [("any", ["any"], {}), ("any", ["any", "bool"], {})],
    "dict2items": [("dict", [], {}), ("dict", [], {"key_name": "str", "value_name": "str"})],
    "dictsort": [("dict", [], {}), ("dict", ["bool"], {}), ("dict", ["bool", "str"], {}),
                 ("dict", [], {"reverse": "bool"}), ("dict", ["bool", "str", "bool"], {})],
    "difference": [("intlist", ["intlist"], {}), ("list", ["list"], {}), ("strlist", ["strlist"], {})],
    "dirname": [("path", [], {})],
    "e": [("str", [], {})],
    "escape": [("any", [], {})],
    "expandvars": [("str", [], {})],
    "extract": [("key", ["dict"], {}), ("small", ["list"], {})],
    "fileglob": [("str", [], {})],
    "first": [("any", [], {})],
    "flatten": [("list", [], {}), ("list", ["small"], {}), ("list", [], {"skip_nulls": "bool"})],
    "float": [("scalar", [], {}), ("numstr", [], {}), ("scalar", ["num"], {})],
    "format": [("fmt", ["any"], {}), ("fmt", ["any", "any"], {}), ("fmt", [], {"a": "any"})],
    "from_json": [("str", [], {})],
    "from_yaml": [("str", [], {})],
    "from_yaml_all": [("str", [], {})],
    "groupby": [("dictlist", ["attr"], {})],
    "human_readable": [("num", [], {}), ("num", ["bool"], {}), ("num", ["bool", "unit"], {}),
                       ("num", [], {"isbits": "bool"}), ("num", [], {"unit": "unit"})],
    "human_to_bytes": [("bytestr", [], {}), ("bytestr", ["unit"], {}), ("bytestr", [], {"isbits": "bool"}),
                       ("bytestr", [], {"default_unit": "unit"}), ("bytestr", ["unit", "bool"], {})],
    "indent": [("str", [], {}), ("str", ["small"], {}), ("str", ["small", "bool"], {}),
               ("str", [], {"first": "bool", "blank": "bool"})],
    "int": [("scalar", [], {}), ("numstr", [], {}), ("numstr", ["small", "small"], {}),
            ("numstr", [], {"base": "small"})],
    "intersect": [("intlist", ["intlist"], {}), ("list", ["list"], {}), ("strlist", ["strlist"], {})],
    "items": [("dict", [], {})],
    "items2dict": [("dictlist", [], {}), ("dictlist", [], {"key_name": "attr", "value_name": "attr"})],
    "join": [("strlist", [], {}), ("list", ["str"], {}), ("dictlist", ["str", "attr"], {})],
    "last": [("any", [], {})],
    "length": [("any", [], {})],
    "list": [("any", [], {})],
    "log": [("num", [], {}), ("num", ["num"], {})],
    "lower": [("str", [], {})],
    "mandatory": [("any", [], {})],
    "max": [("numlist", [], {}), ("dictlist", [], {"attribute": "attr"}), ("strlist", [], {})],
    "md5": [("str", [], {})],
    "min": [("numlist", [], {}), ("dictlist", [], {"attribute": "attr"}), ("strlist", [], {})],
    "normpath": [("path", [], {})],
    "path_join": [("paths", [], {}), ("path", [], {})],
    "pow": [("num", ["num"], {})],
    "pprint": [("any", [], {})],
    "product": [("list", ["list"], {}), ("list", [], {"repeat": "tiny"})],
    "quote": [("any", [], {})],
    "random": [("intlist", [], {"seed": "int"}), ("small", [], {"seed": "int"}),
               ("small", [], {"start": "small", "step": "small", "seed": "str"})],
    "regex_escape": [("str", [], {}), ("str", ["str"], {})],
    "regex_findall": [("str", ["regex"], {}), ("str", ["regex"], {"multiline": "bool", "ignorecase": "bool"})],
    "regex_replace": [("str", ["regex", "repl"], {}), ("str", ["regex"], {}),
                      ("str", ["regex", "repl"], {"multiline": "bool", "ignorecase": "bool", "count": "small"})],
    "regex_search": [("str", ["regex"], {}), ("str", ["regex", "repl"], {}),
                     ("str", ["regex"], {"multiline": "bool", "ignorecase": "bool"})],
    "rekey_on_member": [("dictlist", ["attr"], {}), ("dictlist", ["attr"], {"duplicates": "str"})],
    "reject": [("list", ["test_name"], {})],
    "rejectattr": [("dictlist", ["attr"], {}), ("dictlist", ["attr", "test_name"], {})],
    "replace": [("str", ["str", "str"], {}), ("str", ["str", "str", "small"], {})],
    "reverse": [("any", [], {})],
    "root": [("num", [], {}), ("num", ["num"], {})],
    "round": [("num", [], {}), ("num", ["small"], {}), ("num", ["small", "str"], {})],
    "select": [("list", ["test_name"], {})],
    "selectattr": [("dictlist", ["attr"], {}), ("dictlist", ["attr", "test_name"], {})],
    "sha1": [("str", [], {})],
    "shuffle": [("intlist", [], {"seed": "int"})],
    "slice": [("list", ["small"], {})],
    "sort": [("list", [], {}), ("numlist", ["bool"], {}), ("strlist", [], {"case_sensitive": "bool"}),
             ("dictlist", [], {"attribute": "attr"})],
    "split": [("str", [], {}), ("str", ["str"], {}), ("str", ["str", "small"], {})],
    "splitext": [("path", [], {})],
    "strftime": [("strftime", [], {}), ("strftime", ["timestamp"], {}), ("strftime", ["timestamp", "bool"], {}),
                 ("strftime", [], {"second": "timestamp", "utc": "bool"})],
    "string": [("any", [], {})],
    "subelements": [("dictlist", ["attr"], {}), ("dictlist", ["attr"], {"skip_missing": "bool"})],
    "sum": [("numlist", [], {}), ("numlist", [], {"start": "num"}), ("dictlist", [], {"attribute": "attr"})],
    "symmetric_difference": [("intlist", ["intlist"], {}), ("list", ["list"], {}), ("strlist", ["strlist"], {})],
    "ternary": [("scalar", ["any", "any"], {}), ("scalar", ["any", "any", "any"], {})],
    "title": [("str", [], {})],
    "to_datetime": [("datestr", [], {}), ("datestr", ["datefmt"], {})],
    "to_json": [("any", [], {}), ("any", [], {"sort_keys": "bool"}), ("any", [], {"indent": "small"})],
    "to_nice_json": [("any", [], {}), ("any", [], {"indent": "small"})],
    "to_nice_yaml": [("any", [], {}), ("any", [], {"indent": "small"})],
    "to_uuid": [("str", [], {})],
    "to_yaml": [("any", [], {})],
    "tojson": [("any", [], {})],
    "trim": [("str", [], {})],
    "type_debug": [("any", [], {})],
    "union": [("intlist", ["intlist"], {}), ("list", ["list"], {}), ("strlist", ["strlist"], {}),
              ("numlist", ["numlist"], {})],
    "unique": [("list", [], {}), ("intlist", [], {}), ("dictlist", [], {"attribute": "attr"}),
               ("strlist", [], {"case_sensitive": "bool"})],
    "upper": [("str", [], {})],
    "urldecode": [("str", [], {})],
    "urlencode": [("any", [], {})],
    "urlsplit": [("str", [], {}), ("str", ["str"], {})],
    "win_basename": [("path", [], {})],
    "win_dirname": [("path", [], {})],
    "wordcount": [("str", [], {})],
    "zip": [("list", ["list"], {}), ("list", ["list", "list"], {})],
    "zip_longest": [("list", ["list"], {}), ("list", ["list"], {"fillvalue": "scalar"})],
    "map": [("list", ["filter_name"], {}), ("dictlist", [], {"attribute": "attr"}),
            ("dictlist", [], {"attribute": "attr", "default": "scalar"})],
}

TESTS = {
    "all": [("list", [])], "any": [("list", [])], "boolean": [("any", [])], "defined": [("any", [])],
    "divisibleby": [("int", ["small"])], "eq": [("any", ["any"])], "equalto": [("any", ["any"])],
    "escaped": [("any", [])], "even": [("num", [])], "odd": [("num", [])], "falsy": [("any", [])],
    "truthy": [("any", [])], "false": [("any", [])], "true": [("any", [])], "float": [("any", [])],
    "integer": [("any", [])], "number": [("any", [])], "string": [("any", [])], "mapping": [("any", [])],
    "sequence": [("any", [])], "iterable": [("any", [])], "none": [("any", [])],
    "undefined": [("any", [])], "callable": [("any", [])], "ge": [("num", ["num"])], "gt": [("num", ["num"])],
    "le": [("num", ["num"])], "lt": [("num", ["num"])], "ne": [("any", ["any"])],
    "in": [("scalar", ["list"]), ("str", ["str"])], "sameas": [("scalar", ["scalar"])],
    "lower": [("str", [])], "upper": [("str", [])],
    "match": [("str", ["regex"]), ("str", ["regex", "bool"])], "search": [("str", ["regex"])],
    "regex": [("str", ["regex"]), ("str", ["regex", "bool", "bool", "str"])],
    "nan": [("num", [])], "isnan": [("num", [])],
    "subset": [("list", ["list"])], "superset": [("list", ["list"])], "issubset": [("intlist", ["intlist"])],
    "contains": [("list", ["scalar"])],
    "version": [("version", ["version"]), ("version", ["version", "vop"]), ("version", ["version", "vop", "bool"])],
    "version_compare": [("version", ["version", "vop"])],
    "abs": [("path", [])], "is_abs": [("path", [])],
    "failed": [("dict", [])], "succeeded": [("dict", [])], "changed": [("dict", [])], "skipped": [("dict", [])],
    "exists": [("path", [])], "file": [("path", [])], "directory": [("path", [])],
}

LOOKUPS = ["items", "list", "indexed_items", "dict", "sequence", "together", "nested", "subelements",
           "vars", "env"]


class Builder:
    def __init__(self, rng):
        self.r = rng
        self.g = Gen(rng)
        self.k = Kinds(self.g)

    def arg(self, case, kind):
        if kind in ("int", "str") and self.r.random() < 0.5:
            return case.operand(getattr(self.k, kind)())
        if self.r.random() < 0.04:
            return case.special()
        if self.r.random() < 0.05:
            return case.operand(self.g.value())
        return case.operand(getattr(self.k, kind)())

    def call_args(self, case, args, kwargs):
        parts = [self.arg(case, a) for a in args]
        if parts and self.r.random() < 0.08:
            parts.pop()
        # A seed is always given: unseeded random results cannot be compared.
        parts += ["%s=%s" % (k, self.arg(case, v)) for k, v in kwargs.items()
                  if k == "seed" or self.r.random() < 0.8]
        return parts

    def filter_expr(self, case):
        name = self.g.choice(sorted(FILTERS))
        inp, args, kwargs = self.g.choice(FILTERS[name])
        subject = self.arg(case, inp)
        parts = self.call_args(case, args, kwargs)
        call = name + ("(%s)" % ", ".join(parts) if parts or self.r.random() < 0.3 else "")
        expr = "%s | %s" % (subject, call)
        if name in ("map", "select", "reject", "selectattr", "rejectattr", "batch", "slice", "groupby",
                    "items") and self.r.random() < 0.8:
            expr += " | list"
        return "filter:" + name, expr, name in ("union", "intersect", "difference", "symmetric_difference")

    def via_map(self, case):
        """A filter or test applied through map/select/reject."""
        how = self.g.choice(["map", "select", "reject"])
        items = case.operand(self.g.choice([self.g.list, self.g.numlist, self.g.strlist, self.g.intlist])())
        if how == "map":
            name = self.g.choice(sorted(n for n in FILTERS if FILTERS[n][0][0] in ("str", "any", "scalar", "num", "path")))
            _, args, kwargs = self.g.choice(FILTERS[name])
        else:
            name = self.g.choice(sorted(TESTS))
            _, args = self.g.choice(TESTS[name])
            kwargs = {}
        parts = ["'%s'" % name] + self.call_args(case, args, kwargs)
        return "%s:%s" % (how, name), "%s | %s(%s) | list" % (items, how, ", ".join(parts)), False

    def test_expr(self, case):
        name = self.g.choice(sorted(TESTS))
        inp, args = self.g.choice(TESTS[name])
        subject = self.arg(case, inp)
        parts = [self.arg(case, a) for a in args]
        neg = "not " if self.r.random() < 0.2 else ""
        if len(parts) == 1 and self.r.random() < 0.3:
            call = "%s %s" % (name, parts[0])
        elif parts:
            call = "%s(%s)" % (name, ", ".join(parts))
        else:
            call = name
        return "test:" + name, "%s is %s%s" % (subject, neg, call), False

    def lookup_expr(self, case):
        name = self.g.choice(LOOKUPS)
        fn = self.g.choice(["lookup", "query", "q"])
        if name == "sequence":
            terms = [lit(self.k.seq())]
        elif name == "vars":
            value = self.g.value()
            case.vars.setdefault("v1", value if is_plain(value) else str(value))
            terms = [lit(self.g.choice(["v1", "nope_var"]))]
        elif name == "env":
            terms = [lit(self.g.choice(["DROVER_FUZZ_UNSET_VAR", "DROVER_FUZZ_UNSET_2"]))]
            if self.r.random() < 0.5:
                terms.append("default=%s" % lit(self.g.str()))
        elif name == "dict":
            terms = [case.operand(self.g.dict())]
        elif name == "subelements":
            terms = [case.operand(self.g.dictlist()), lit(self.k.attr())]
        elif name in ("together", "nested"):
            terms = [case.operand(self.g.list()) for _ in range(self.g.choice([1, 2, 3]))]
        else:
            terms = [case.operand(self.g.value()) for _ in range(self.g.choice([1, 2, 3]))]
        if fn == "lookup" and self.r.random() < 0.3:
            terms.append("wantlist=true")
        return "lookup:" + name, "%s(%s)" % (fn, ", ".join([lit(name)] + terms)), False

    def op_expr(self, case):
        op = self.g.choice(["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", ">=", "in", "and",
                            "or", "not", "neg", "pct", "format", "method", "index", "slice", "cond"])
        a = case.operand(self.g.value())
        b = case.operand(self.g.value())
        if op in ("+", "-", "*", "/", "//", "%", "**") and self.r.random() < 0.7:
            a, b = case.operand(self.g.num()), case.operand(self.g.num())
        if op in ("*", "**"):
            # Keep results small: a big exponent or repeat count only measures the machine.
            b = case.operand(self.g.choice([0, 1, 2, 3, -1, -2, 0.5, 2.0, 10, 64, 65, 100, None, "2"]))
        if op == "not":
            return "op:not", "not %s" % a, False
        if op == "neg":
            return "op:neg", "-%s" % case.operand(self.g.num()), False
        if op == "pct":
            fmt = self.k.fmt()
            rhs = self.g.choice([b, "(%s, %s)" % (a, b), "{'a': %s}" % a])
            return "op:pct", "%s %% %s" % (lit(fmt), rhs), False
        if op == "format":
            fmt = self.g.choice(["{}", "{} {}", "{0}-{0}", "{:>5}", "{:.2f}", "{a}", "{!r}", "{:,}", "x"])
            return "op:format", "%s.format(%s)" % (lit(fmt), ", ".join([a, b][: self.g.choice([0, 1, 2])])), False
        if op == "method":
            m = self.g.choice(["upper()", "lower()", "strip()", "split()", "split(',')", "startswith('a')",
                               "endswith('c')", "replace('a', 'b')", "title()", "capitalize()", "count('a')",
                               "find('b')", "isdigit()", "zfill(5)", "center(9, '*')", "splitlines()",
                               "join(['x', 'y'])", "keys() | list", "values() | list", "items() | list",
                               "get('a')", "get('a', 7)", "index(1)", "ljust(4)", "rstrip('\\n')"])
            return "op:method", "%s.%s" % (a, m), False
        if op == "index":
            return "op:index", "%s[%s]" % (a, self.g.choice(["0", "-1", "'a'", "1", b])), False
        if op == "slice":
            return "op:slice", "%s[%s]" % (a, self.g.choice(["1:", ":2", "::-1", "1:3", "::2"])), False
        if op == "cond":
            return "op:cond", "%s if %s else %s" % (a, b, case.operand(self.g.value())), False
        return "op:" + op, "%s %s %s" % (a, op, b), False

    def template(self, case):
        """A small template around an expression: the result is text."""
        family, expr, unordered = self.expression(case)
        shape = self.g.choice(["wrap", "for", "if", "set", "two"])
        if shape == "wrap":
            src = "<{{ %s }}>" % expr
        elif shape == "for":
            src = "{%% for i in %s %%}[{{ i }}]{%% endfor %%}" % expr
        elif shape == "if":
            src = "{%% if %s %%}yes{%% else %%}no{%% endif %%}" % expr
        elif shape == "set":
            src = "{%% set r = %s %%}{{ r }}|{{ r | string }}" % expr
        else:
            src = "{{ %s }} {{ %s }}" % (expr, case.operand(self.g.value()))
        return "tmpl:" + family, src, unordered

    def expression(self, case):
        k = self.r.random()
        if k < 0.45:
            return self.filter_expr(case)
        if k < 0.58:
            return self.via_map(case)
        if k < 0.75:
            return self.test_expr(case)
        if k < 0.8:
            return self.lookup_expr(case)
        return self.op_expr(case)

    def case(self, n):
        case = Case(self.g)
        if self.r.random() < 0.15:
            family, src, unordered = self.template(case)
        else:
            family, expr, unordered = self.expression(case)
            src = "{{ %s }}" % expr
        return {"id": n, "family": family, "src": src, "vars": case.vars, "tvars": case.tvars,
                "unordered": unordered}


# --- ansible's side ----------------------------------------------------------------------------

def tagged(v):
    """A Python value as type-tagged JSON."""
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(int(v))}
    if isinstance(v, float):
        return {"t": "float", "v": repr(float(v))}
    if isinstance(v, str):
        # Undecodable bytes (b64decode) are kept by Python as lone surrogates, which JSON
        # cannot carry: they are written as the text `\udcXX`.
        return {"t": "str", "v": str(v).encode("utf-8", "backslashreplace").decode("utf-8")}
    if v is None:
        return {"t": "none"}
    if isinstance(v, (list, tuple)):
        return {"t": "list", "v": [tagged(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[tagged(k), tagged(x)] for k, x in v.items()]}
    if isinstance(v, (datetime.datetime, datetime.date)):
        return {"t": "str", "v": v.isoformat()}
    return {"t": "other", "v": "%s: %r" % (type(v).__name__, v)}


class Timeout(BaseException):
    pass


def on_alarm(_sig, _frame):
    raise Timeout()


class Ansible:
    def __init__(self):
        from ansible.parsing.dataloader import DataLoader
        from ansible.template import Templar, trust_as_template
        self.trust = trust_as_template
        self.templar = Templar(loader=DataLoader(), variables={})
        signal.signal(signal.SIGALRM, on_alarm)

    def evaluate(self, case):
        variables = dict(case["vars"])
        for name, src in case["tvars"].items():
            variables[name] = self.trust(src)
        self.templar.available_variables = variables
        # The alarm may go off while it is being cancelled: the outer try catches that too.
        try:
            signal.setitimer(signal.ITIMER_REAL, 2.0)
            try:
                return tagged(self.templar.template(self.trust(case["src"])))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except (Timeout, MemoryError):
            return {"t": "timeout"}
        except Exception as e:  # noqa: BLE001 - any error is an outcome
            return {"t": "error", "v": ("%s: %s" % (type(e).__name__, e))[:300]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--no-eval", action="store_true", help="print the cases only")
    a = p.parse_args()
    # A case that runs away (memory or time) must not take the machine with it.
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    rng = random.Random(a.seed)
    builder = Builder(rng)
    ansible = Ansible()
    out = sys.stdout
    for n in range(a.cases):
        case = builder.case(n)
        if a.no_eval:
            out.write(json.dumps(case, ensure_ascii=False, allow_nan=False) + "\n")
            continue
        case["ansible"] = ansible.evaluate(case)
        if case["unordered"] and case["ansible"]["t"] == "list":
            items = case["ansible"]["v"]
            case["unordered"] = not all(x["t"] in ("int", "bool", "float") for x in items)
        try:
            line = json.dumps(case, ensure_ascii=False, allow_nan=False)
            line.encode("utf-8")
        except (TypeError, ValueError) as e:
            case["ansible"] = {"t": "other", "v": "unencodable outcome: %s" % e}
            line = json.dumps(case, ensure_ascii=True, allow_nan=False)
        out.write(line + "\n")
    out.flush()


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - reported to the Rust side, whose stderr is not ours
        import traceback
        sys.stdout.write(json.dumps({"fatal": traceback.format_exc()}) + "\n")
        sys.exit(1)
