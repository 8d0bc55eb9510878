"""Identifiers for emitted code: the one naming step, per language.

Every name the emitted function declares (a parameter, a node's value, a derivative, a
temporary) goes through `Namer`: it is never a word the language reserves, a builtin or
library name the code calls or could be hidden by, nor a name the emitter itself declares
(the function, C's `f_grad_error` and `f_grad_fail`, the `grad` and `values` parameters).
The lists come from the languages' own:

* Python: `keyword.kwlist` and every name in `builtins` (the code calls `abs`, `max`,
  `min`, `all`, `map`, `len` and raises `ValueError`), and `math`;
* C: the C99 keywords and C23's new ones (a user's compiler may default to C23), the
  identifiers of C99's <math.h> (functions in their double, float and long double forms,
  macros, types), the macros glibc's <math.h> adds in its default (GNU) mode (M_PI and
  the rest, in every suffix), the platform macros `linux` and `unix`, and the names the
  test harness uses; any name that begins with `_` and a capital or a second `_` is the
  implementation's (C99 7.1.3);
* JavaScript: ECMAScript's reserved words, the words strict mode (every ES module) adds,
  `arguments` and `eval` (which strict code may not bind), and the global object's
  standard properties (the code calls `Math` and `Number` and throws `RangeError`).

A node id that is not an identifier (an earlier version `x.0`, an element of an index
family `W1[2,1]`) becomes a readable one (`x_0`, `W1_2_1`); program names are claimed
before any of those, so such a name never takes one the program uses (`x_0` as written
keeps its name and the version becomes `x_0_`). A name that is taken or reserved gets a
`_` until it is free (`class_`), a C name reserved by its first letters a `v` in front.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
from collections.abc import Iterable, Sequence

from ..graphs.graph import PLAIN_DIGITS

PYTHON_WORDS = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"math"}

_C_KEYWORDS = (  # C99 6.4.1, then C11's and C23's
    "auto break case char const continue default do double else enum extern float for goto "
    "if inline int long register restrict return short signed sizeof static struct switch "
    "typedef union unsigned void volatile while _Bool _Complex _Imaginary "
    "_Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local "
    "alignas alignof bool constexpr false nullptr static_assert thread_local true typeof "
    "typeof_unqual")
_C_MATH_FUNCTIONS = (  # C99 7.12, each also with an f and an l
    "acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp "
    "ilogb ldexp log log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf "
    "erfc lgamma tgamma ceil floor nearbyint rint lrint llrint round lround llround trunc "
    "fmod remainder remquo copysign nan nextafter nexttoward fdim fmax fmin fma")
_C_MATH_MACROS = (  # C99 7.12 and C23's, and glibc's in its default mode
    "float_t double_t HUGE_VAL HUGE_VALF HUGE_VALL INFINITY NAN FP_INFINITE FP_NAN FP_NORMAL "
    "FP_SUBNORMAL FP_ZERO FP_FAST_FMA FP_FAST_FMAF FP_FAST_FMAL FP_ILOGB0 FP_ILOGBNAN "
    "FP_LLOGB0 FP_LLOGBNAN FP_INT_UPWARD FP_INT_DOWNWARD FP_INT_TOWARDZERO "
    "FP_INT_TONEARESTFROMZERO FP_INT_TONEAREST MATH_ERRNO MATH_ERREXCEPT math_errhandling "
    "fpclassify isfinite isinf isnan isnormal signbit isgreater isgreaterequal isless "
    "islessequal islessgreater isunordered iscanonical iseqsig issignaling issubnormal "
    "iszero MAXFLOAT HUGE SNAN SNANF SNANL linux unix i386")
_C_GLIBC_CONSTANTS = "E LOG2E LOG10E LN2 LN10 PI PI_2 PI_4 1_PI 2_PI 2_SQRTPI SQRT2 SQRT1_2"
_C_SUFFIXES = ("", "f", "l", "f32", "f64", "f128", "f32x", "f64x")
_C_CODE = "main printf strtod args argc argv grad values k why errno NULL EOF stdin stdout stderr"
C_WORDS = frozenset(
    [*_C_KEYWORDS.split(), *_C_MATH_MACROS.split(), *_C_CODE.split(),
     *(f + s for f in _C_MATH_FUNCTIONS.split() for s in ("", "f", "l")),
     *(f"M_{c}{s}" for c in _C_GLIBC_CONSTANTS.split() for s in _C_SUFFIXES),
     *(f"HUGE_VAL_{s.upper()}" for s in _C_SUFFIXES[3:]),
     *(f"SNANF{s[1:].upper()}" for s in _C_SUFFIXES[3:])])
_C_IMPLEMENTATION = re.compile(r"_[A-Z_]")  # C99 7.1.3: reserved for any use

JS_WORDS = frozenset((
    # ECMAScript 12.7.2 ReservedWord, and the words strict mode reserves (every module is
    # strict), and the two names strict code may not bind
    "await break case catch class const continue debugger default delete do else enum "
    "export extends false finally for function if import in instanceof new null return "
    "super switch this throw true try typeof var void while with yield let static "
    "implements interface package private protected public arguments eval "
    # the global object's standard properties (ECMAScript 19)
    "globalThis Infinity NaN undefined isFinite isNaN parseFloat parseInt decodeURI "
    "decodeURIComponent encodeURI encodeURIComponent escape unescape AggregateError Array "
    "ArrayBuffer BigInt BigInt64Array BigUint64Array Boolean DataView Date Error EvalError "
    "FinalizationRegistry Float32Array Float64Array Function Int8Array Int16Array "
    "Int32Array Map Number Object Promise Proxy RangeError ReferenceError RegExp Set "
    "SharedArrayBuffer String Symbol SyntaxError TypeError Uint8Array Uint8ClampedArray "
    "Uint16Array Uint32Array URIError WeakMap WeakRef WeakSet Atomics JSON Math Reflect Intl "
    # what the test harness and a page around the function use
    "console process require module exports").split())

WORDS = {"python": PYTHON_WORDS, "c": C_WORDS, "js": JS_WORDS}


def reserved(name: str, lang: str) -> bool:
    """Whether `lang` keeps `name` for itself (see the module)."""
    return name in WORDS[lang] or (lang == "c" and _C_IMPLEMENTATION.match(name) is not None)


def stem(node_id: str) -> str:
    """A node id as the start of an identifier: `x.0` -> `x_0`, `W1[2,1]` -> `W1_2_1`,
    `h1[3]` -> `h1_3`; an identifier stays as it is."""
    if node_id.isidentifier() and node_id.isascii():
        return node_id
    node_id = node_id.translate(PLAIN_DIGITS)  # a generated id: v₃ -> v3
    if node_id.isidentifier() and node_id.isascii():
        return node_id
    s = re.sub(r"\W+", "_", node_id, flags=re.ASCII).strip("_") or "v"
    return "v" + s if s[0].isdigit() else s


class Namer:
    """Fresh identifiers in one function: reserved and taken names are never given out."""

    def __init__(self, lang: str, declared: Iterable[str]) -> None:
        self.lang = lang
        self.taken = set(declared)

    def fresh(self, want: str) -> str:
        """`want` (made an identifier) if it is free, else with `_` added until it is."""
        name = stem(want)
        if self.lang == "c" and _C_IMPLEMENTATION.match(name):
            name = "v" + name
        while name in self.taken or reserved(name, self.lang):
            name += "_"
        self.taken.add(name)
        return name

    def ids(self, node_ids: Sequence[str]) -> list[str]:
        """An identifier for each node id, in order: the program's names that the language
        allows first, as written, then the reserved ones, then the ids that are not
        identifiers."""
        def tier(n: str) -> int:  # kept as written, renamed, made an identifier
            return 2 if stem(n) != n else 1 if reserved(n, self.lang) else 0

        out = list(node_ids)
        for i in sorted(range(len(node_ids)), key=lambda i: tier(node_ids[i])):
            out[i] = self.fresh(node_ids[i])
        return out


def js_key(name: str) -> str:
    """`name` as a key of a JavaScript object literal: an identifier as it is (reserved
    words are keys like any other), anything else quoted; `__proto__` computed, since
    written plainly or quoted it sets the object's prototype instead."""
    if name == "__proto__":
        return '["__proto__"]'
    if re.fullmatch(r"[A-Za-z_$][\w$]*", name, flags=re.ASCII):
        return name
    return json.dumps(name)
