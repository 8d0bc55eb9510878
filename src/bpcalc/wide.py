"""Wide numbers for the passes: 128 significant bits and any exponent, rounded to a double
once at the end, so that every mode gives the same gradient and none fails halfway.

In doubles the modes round differently: reverse adds d(out)/d(v) edge by edge from the
output, forward adds d(v)/d(in) from the input, paths adds whole products, and each sum
is rounded after every step. Under cancellation (`x/(((4 + x) - (x - pi))*3)` at 1e16)
that moves the result from 0.041666 to 0.039; and a product such as 1e200·1e200·1e-300
overflows halfway although the whole is 1e100.

A wide number is m·2^e with m a Python int of at most BITS bits and e any int. Products
and sums of doubles are exact until they need more than BITS bits; then they are rounded
to odd (cut, and the last bit set if anything was cut), which keeps the one rounding to
a double at the end correct: a result that is exactly halfway between two doubles was
never rounded on the way, and one that is not can never look halfway. So the modes agree
to the last bit, and a result is out of a double's range only when it truly is.

A few partials can leave a double's range while their operands and value are inside it
(`pow(x, -0.1)` at 1e300: y·x^(y-1) = -1e-331); their op table rows give a `wide`
formula in Python's decimal numbers, used where the double weight came out 0, subnormal
or infinite (decimal is imported only then).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .build.graph import Graph
from .ops import OPS

if TYPE_CHECKING:
    from decimal import Decimal

BITS = 4096
TINY = sys.float_info.min  # the smallest normal double: below it digits are lost
_GAP = 8  # bits kept below a sum's rounding point
_LOG10_2 = math.log10(2.0)


class Wide:
    """m·2^e exactly, |m| < 2^BITS (see the module)."""

    __slots__ = ("m", "e")

    def __init__(self, m: int, e: int) -> None:
        self.m = m
        self.e = e

    @staticmethod
    def of(x: float) -> Wide:
        """A finite double, exactly."""
        m, e = math.frexp(x)
        return Wide(int(m * 9007199254740992.0), e - 53)  # 2^53: m's 53 bits, an int

    def __bool__(self) -> bool:
        return self.m != 0

    def __mul__(self, other: Wide) -> Wide:
        return _rounded(self.m * other.m, self.e + other.e)

    def __add__(self, other: Wide) -> Wide:
        (m, e), (n, f) = (self.m, self.e), (other.m, other.e)
        if not n:
            return self
        if not m:
            return other
        if e < f:
            (m, e), (n, f) = (n, f), (m, e)
        # e >= f: the sum is exact at exponent f; a term far below the other can only
        # round it, so it stands in as its sign just below what rounding keeps
        low = m.bit_length() + e - BITS - _GAP
        if n.bit_length() + f < low:
            n, f = (1 if n > 0 else -1), low
        return _rounded((m << (e - f)) + n, f)

    def __float__(self) -> float:
        m, e = self.m, self.e
        if not m or m.bit_length() + e < -1080:
            return 0.0 if m >= 0 else -0.0
        try:
            if m.bit_length() + e > 1025:
                raise OverflowError
            return float(m << e) if e >= 0 else m / (1 << -e)  # int/int rounds correctly
        except OverflowError:
            return math.inf if m > 0 else -math.inf

    def __repr__(self) -> str:
        return f"Wide({self.m}, {self.e})"


def _rounded(m: int, e: int) -> Wide:
    """m·2^e in at most BITS bits, rounded to odd."""
    cut = m.bit_length() - BITS
    if cut <= 0:
        return Wide(m, e)
    if m < 0:
        k = -m
        q = k >> cut
        return Wide(-(q | (q << cut != k)), e + cut)
    q = m >> cut
    return Wide(q | (q << cut != m), e + cut)


ZERO, ONE = Wide(0, 0), Wide(1, 0)


def weights(graph: Graph, values: Sequence[float], doubles: Sequence[float]) -> list[Wide]:
    """The local derivatives as wide numbers (see `local`)."""
    out = list(map(Wide.of, doubles))
    consts = graph.consts
    for k, w in enumerate(doubles):
        if TINY <= abs(w) < math.inf:
            continue
        dst = graph.edst[k]
        key = graph.keys[dst]
        formulas = OPS[key[0]].wide
        if formulas:
            out[k] = local(w, formulas[graph.edges[k].slot],
                           [values[a] if a >= 0 else consts[~a] for a in key[1:]], values[dst])
    return out


def local(double: float, formula: Callable[..., Decimal | None] | None,
          operands: Sequence[float], value: float) -> Wide:
    """One local derivative as a wide number: the double as it is, or, where it came out
    0, subnormal or infinite and its row gives a wide `formula`, that formula again."""
    if formula is not None and not TINY <= abs(double) < math.inf:
        again = _decimal(formula, operands, value)
        if again is not None:
            return again
    return Wide.of(double)


def _decimal(formula: Callable[..., Decimal | None], operands: Sequence[float],
             value: float) -> Wide | None:
    """A `wide` formula at the operands, in 60-digit decimal numbers, as a wide number."""
    from decimal import Context, localcontext

    context = Context(prec=60, Emax=999_999, Emin=-999_999, traps=[])
    make = context.create_decimal_from_float
    with localcontext(context):
        got = formula(*map(make, operands), make(value))
        if got is None or not got.is_finite():
            return None
        n, d = got.as_integer_ratio()
    return _ratio(n, d)


def _ratio(n: int, d: int) -> Wide:
    """n/d (d > 0) to BITS bits, rounded to odd."""
    if not n:
        return ZERO
    num, den = abs(n), d
    shift = BITS + 2 + d.bit_length() - num.bit_length()
    if shift > 0:
        num <<= shift
    else:
        den <<= -shift
    q, r = divmod(num, den)
    q |= r != 0
    return _rounded(q if n > 0 else -q, -shift)


def magnitude(x: Wide) -> str:
    """A wide number's size for a message: '1.0e+400'."""
    if not x.m:
        return "0"
    exponent = math.log10(abs(x.m)) + x.e * _LOG10_2
    whole = math.floor(exponent)
    sign = "-" if x.m < 0 else ""
    return f"{sign}{10 ** (exponent - whole):.1f}e{whole:+d}"
