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
formula in Python's decimal numbers, which evaluate.py uses where the double weight came
out 0, subnormal or infinite (decimal is imported only then). A value that overflows on
the way (1e250·1e250 before ·1e-300) is carried in decimal numbers too, by the rows that
can (`Op.big`). Where only a few local derivatives are beyond a double, the passes in
doubles take those few as wide numbers ("mixed"): a float times a Wide is a Wide.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Context, Decimal

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

    def __mul__(self, other: Wide | float) -> Wide:
        if type(other) is not Wide:  # a double in a mixed pass (see `mixed`)
            other = Wide.of(other)  # type: ignore[arg-type]
        return _rounded(self.m * other.m, self.e + other.e)  # type: ignore[union-attr]

    __rmul__ = __mul__

    def __add__(self, other: Wide | float) -> Wide:
        if type(other) is not Wide:
            other = Wide.of(other)  # type: ignore[arg-type]
        (m, e), (n, f) = (self.m, self.e), (other.m, other.e)  # type: ignore[union-attr]
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

    __radd__ = __add__

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


def weights(doubles: Sequence[float], beyond: Mapping[int, Wide]) -> list[Wide]:
    """The local derivatives as wide numbers: each double exactly, and those beyond a double
    (evaluate.Evaluation.beyond) as they are."""
    if beyond:
        doubles = list(doubles)
        for k in beyond:
            doubles[k] = 0.0  # it may be infinite: Wide.of takes finite doubles only
    out = list(map(Wide.of, doubles))
    for k, w in beyond.items():
        out[k] = w
    return out


def mixed(doubles: Sequence[float], beyond: Mapping[int, Wide]) -> list[float | Wide]:
    """The local derivatives as doubles, but those beyond a double as wide numbers: for
    passes in doubles, where a float times a Wide gives a Wide (and an infinite float
    there raises OverflowError: the caller runs the passes in wide numbers then)."""
    if not beyond:
        return list(doubles)
    out: list[float | Wide] = list(doubles)
    for k, w in beyond.items():
        out[k] = w
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
    got = call(formula, decimals([*operands, value]))
    return None if got is None else of_decimal(got)


@functools.cache
def _context() -> Context:
    from decimal import Context

    return Context(prec=60, Emax=999_999, Emin=-999_999, traps=[])


def decimals(xs: Iterable[float | Decimal]) -> list[Decimal]:
    """Doubles as decimal numbers, exactly (decimal numbers as they are)."""
    make = _context().create_decimal_from_float
    return [x if type(x) is not float else make(x) for x in xs]  # type: ignore[misc]


def call(formula: Callable[..., Decimal | float | None],
         args: Sequence[Decimal]) -> Decimal | None:
    """`formula` at `args` in 60-digit decimal numbers with any exponent; None where it is
    undefined (it says None, or gives NaN or an infinity, or cannot take decimals)."""
    from decimal import localcontext

    with localcontext(_context()):
        try:
            got = formula(*args)
        except (TypeError, ArithmeticError, ValueError):
            return None
        if type(got) is float:  # a constant or comparison row (1.0, a step)
            got = _context().create_decimal_from_float(got)
        if got is None or not got.is_finite():  # type: ignore[union-attr]
            return None
        return got  # type: ignore[return-value]


def of_decimal(d: Decimal) -> Wide:
    """A finite decimal number as a wide number (rounded to odd past BITS bits)."""
    n, den = d.as_integer_ratio()
    return _ratio(n, den)


def magnitude_of(d: Decimal) -> str:
    """A decimal number's size for a message: '2.0e+500'."""
    return f"{d:.1e}".replace("E", "e")


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
    lead = f"{10 ** (exponent - whole):.1f}"
    if lead == "10.0":  # 9.96 rounds up
        lead, whole = "1.0", whole + 1
    sign = "-" if x.m < 0 else ""
    return f"{sign}{lead}e{whole:+d}"
