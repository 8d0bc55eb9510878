"""The one table of primitives.

Each row gives an operation's arity, its value, and for every operand its local
partial derivative, as a number (a function of the operand values and of the
node's own value) and as formula text over the operands. Forward, reverse and
path modes all read the edge weights computed from these rows; no derivative
rule is written anywhere else. Adding a primitive is one row here.

Second partials (`second`) serve Hessians: for a unary op one function, d2/dx2; for a
binary op three, (xx, xy, yy), so the pair of slots (s, q) is entry s + q. They take the
same arguments as `partials`. Kinks and linear pieces have second derivative 0.

Value functions may raise ValueError, ZeroDivisionError or OverflowError; the
graph turns those into a MathError naming the node.

Partials take no step out of a double's range unless the partial itself leaves it: -x/y^2
is -(x/y)/y, not -x/(y*y) (which overflows for |y| > 1.3e154). Where a double partial can
still be 0, subnormal or infinite while the true one is not (pow(x, -0.1) at 1e300), the
row gives it again in `wide` numbers (wide.py), taken where the double is not normal.
Those careful forms live in stable.py.

Derivatives at kinks follow one convention, reported by `kink`: relu'(0) = abs'(0) = 0,
and max/min at a tie give 0.5 to each side. In formula text, `(x > 0)` is 1 or 0,
`sign(0)` is 0, and `step(t)` is the Heaviside step with step(0) = 1/2.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from . import stable
from .numbers import number_text

if TYPE_CHECKING:
    from decimal import Decimal

Partial = Callable[..., float]  # (*operand_values, node_value) -> float


class Code(NamedTuple):
    """How source code spells a row: its value over the operands `{0}`, `{1}`, and each
    operand's partial over the operands and the node's own value `{v}`. A math function is
    written `@sin(...)`; each language says what `@sin` becomes (`math.sin`, `sin`,
    `Math.sin`), see spelling.py."""

    value: str
    partials: tuple[str, ...]
    # Where the row is defined, in C syntax (`&&`, `||`; the emitter writes Python's
    # `and`, `or`): the guard emitted code checks before computing the value (emit.py).
    guard: str = ""


class Op(NamedTuple):
    name: str
    arity: int
    value: Callable[..., float]
    partials: tuple[Partial, ...]  # one per operand
    second: tuple[Partial, ...]  # unary: (d2/dx2,); binary: (xx, xy, yy), see second_index
    text: str  # definition template over operand texts {0}, {1}
    dtext: tuple[str | Callable[[list[str]], str], ...]  # one formula per operand
    domain: str = ""  # what the operands must satisfy, for error messages
    kink: Callable[..., str | None] | None = None  # says when the point is a kink
    code: Code = Code("", ())  # C and JavaScript (C-like syntax)
    py: Code | None = None  # Python, where it differs from `code` (conditionals)
    # Partials again in wide numbers (Decimal, see wide.py), for the rows whose double
    # partial can leave a double's range while the operands and value lie inside it; None
    # for an operand whose double partial is right whatever it is.
    wide: tuple[Callable[..., Decimal | None] | None, ...] = ()
    wide_second: tuple[Callable[..., Decimal | None] | None, ...] = ()  # the same, `second`
    # The value in wide numbers, for operands beyond a double (1e250*1e250 on the way to
    # *1e-300), where the row can; its partials are then `wide`, else `partials` on Decimals
    big: Callable[..., Any] | None = None


def _log2(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log2(x)  # exact at powers of 2, where log(x)/log(2) need not be


def _log10(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log10(x)  # log10(1000) is 3, where log(x)/log(10) gives 2.9999999999999996


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log(x)


def _pow(x: float, y: float) -> float:
    if x == 0 and y < 0:
        raise ZeroDivisionError
    return math.pow(x, y)


def _dpow_dy(x: float, y: float, out: float) -> float:
    if x == 0 and y > 0:
        return 0.0  # the limit of x^y*log(x) as x -> 0+
    if x <= 0:
        raise ValueError("the derivative of x^y with respect to y needs x > 0")
    return out * math.log(x)


def _dpow_dx(x: float, y: float, out: float) -> float:
    return 0.0 if y == 0 else y * _pow(x, y - 1)  # x^0 is constant, even at x = 0


def _d2pow_dx2(x: float, y: float, out: float) -> float:
    c = y * (y - 1)
    return 0.0 if c == 0 else c * _pow(x, y - 2)  # x^0 and x^1 are linear, even at x = 0


def _d2pow_dxdy(x: float, y: float, out: float) -> float:
    if x == 0:
        if y > 1:
            return 0.0  # the limit of x^(y-1)*(1 + y*log(x)) as x -> 0+
        raise ZeroDivisionError
    return _pow(x, y - 1) * (1.0 + y * _log(x))


def _d2pow_dy2(x: float, y: float, out: float) -> float:
    if x == 0 and y > 0:
        return 0.0  # the limit of x^y*log(x)^2 as x -> 0+
    return out * _log(x) ** 2


def _step(x: float, y: float) -> float:
    """d max(x, y)/dx: 1 where x wins, 0 where y wins, 0.5 at a tie."""
    return 1.0 if x > y else 0.0 if x < y else 0.5


def _pow_dx_text(a: list[str]) -> str:
    """y*x^(y - 1), simplified when the exponent is a number (x^3 gives 3*x^2)."""
    x, y = a
    if not (y[:1].isdigit() or y[:1] in "(."):  # a node id, not a folded number
        return f"{y}*{x}^({y} - 1)"
    c = float(y.strip("()"))
    if c == 0:
        return "0"
    if c == 1:
        return "1"
    if c == 2:
        return f"2*{x}"
    return f"{y}*{x}^{number_text(c - 1)}"


# Kinks: where the derivative jumps, its one-sided values, what bpcalc uses, and what
# PyTorch 2.13 and JAX 0.10 return there (each run at the kink to see).
def _kink_at_zero(sides: str, used: str) -> Callable[[float, float], str | None]:
    said = f"the operand is 0, a kink: {sides}; bpcalc uses {used}"
    return lambda x, out: said if x == 0 else None


def _kink_at_tie(name: str, wins: str) -> Callable[[float, float, float], str | None]:
    said = (f"the operands tie, a kink: {name}'s derivative is 1 in the {wins} operand "
            "and 0 in the other; bpcalc gives each 0.5, as PyTorch and JAX do")
    return lambda x, y, out: said if x == y else None


def _fn(name: str, value: Callable[[float], float], d: Partial, d2: Partial, dtext: str,
        code: Code, domain: str = "", kink: Callable[..., str | None] | None = None,
        py: Code | None = None, wide: Callable[..., Decimal | None] | None = None,
        wide2: Callable[..., Decimal | None] | None = None,
        big: Callable[..., Any] | None = None) -> Op:
    return Op(name, 1, value, (d,), (d2,), name + "({0})", (dtext,), domain, kink, code, py,
              () if wide is None else (wide,), () if wide2 is None else (wide2,), big)


def _call(fn: str, *partials: str, guard: str = "") -> Code:
    """A row spelled as a call of the language's own math function `fn`."""
    return Code(f"@{fn}({{0}})", partials, guard)


_POSITIVE = "{0} > 0.0"
_UNIT = "-1.0 <= {0} && {0} <= 1.0"
_POW_GUARD = "{0} > 0.0 || ({0} == 0.0 && {1} >= 0.0) || ({0} < 0.0 && {1} == @floor({1}))"
# -x/y^2 (see stable.ddiv_dy): -(x/y)/y, or -x/(y*y) where x/y, the node's value, is subnormal
_DDIV_DY_C = ("(-2.2250738585072014e-308 < {v} && {v} < 2.2250738585072014e-308 && {v} != 0.0"
              " ? -{0} / ({1} * {1}) : -{v} / {1})")
_DDIV_DY_PY = ("(-{0} / ({1} * {1}) if -2.2250738585072014e-308 < {v} < 2.2250738585072014e-308"
               " and {v} != 0.0 else -{v} / {1})")


def _zero(*args: float) -> float:
    return 0.0


_LINEAR = (_zero, _zero, _zero)  # a binary op whose second partials all vanish
_SIGMOID_PY = "(1.0 / (1.0 + @exp(-{0})) if {0} >= 0 else @exp({0}) / (1.0 + @exp({0})))"
_SIGMOID_C = "({0} >= 0 ? 1.0 / (1.0 + @exp(-{0})) : @exp({0}) / (1.0 + @exp({0})))"
_DSIGMOID = "@exp(-@{abs}({0})) / ((1.0 + @exp(-@{abs}({0}))) * (1.0 + @exp(-@{abs}({0}))))"
_DTANH = ("4.0 * @exp(-2.0 * @{abs}({0})) / ((1.0 + @exp(-2.0 * @{abs}({0}))) "
          "* (1.0 + @exp(-2.0 * @{abs}({0}))))")


_OPS = [
    Op("add", 2, operator.add, (lambda x, y, o: 1.0, lambda x, y, o: 1.0), _LINEAR,
       "{0} + {1}", ("1", "1"), code=Code("{0} + {1}", ("1.0", "1.0")), big=operator.add),
    Op("sub", 2, operator.sub, (lambda x, y, o: 1.0, lambda x, y, o: -1.0), _LINEAR,
       "{0} - {1}", ("1", "-1"), code=Code("{0} - {1}", ("1.0", "-1.0")), big=operator.sub),
    Op("mul", 2, operator.mul, (lambda x, y, o: y, lambda x, y, o: x),
       (_zero, lambda x, y, o: 1.0, _zero),
       "{0} * {1}", ("{1}", "{0}"), code=Code("{0} * {1}", ("{1}", "{0}")), big=operator.mul),
    Op("div", 2, operator.truediv, (lambda x, y, o: 1.0 / y, stable.ddiv_dy),
       (_zero, lambda x, y, o: -1.0 / y / y, lambda x, y, o: 2.0 * (o / y) / y),
       "{0} / {1}", ("1/{1}", "-{0}/{1}^2"), "a nonzero divisor",
       code=Code("{0} / {1}", ("1.0 / {1}", _DDIV_DY_C), "{1} != 0.0"),
       py=Code("{0} / {1}", ("1.0 / {1}", _DDIV_DY_PY), "{1} != 0.0"),
       wide=(lambda x, y, v: 1 / y, lambda x, y, v: -x / (y * y)),
       wide_second=(None, lambda x, y, v: -1 / (y * y), lambda x, y, v: 2 * x / (y * y * y)),
       big=operator.truediv),
    Op("neg", 1, operator.neg, (lambda x, o: -1.0,), (_zero,), "-{0}", ("-1",),
       code=Code("-{0}", ("-1.0",)), big=operator.neg),
    Op("pow", 2, _pow, (_dpow_dx, _dpow_dy), (_d2pow_dx2, _d2pow_dxdy, _d2pow_dy2),
       "{0}^{1}", (_pow_dx_text, "{0}^{1}*log({0})"),
       "x >= 0, or an integer exponent for x < 0, and x != 0 for a negative exponent",
       code=Code("@pow({0}, {1})", ("({1} == 0 ? 0.0 : {1} * @pow({0}, {1} - 1))",
                                    "({0} == 0 && {1} > 0 ? 0.0 : {v} * @log({0}))"),
                 _POW_GUARD),
       py=Code("@pow({0}, {1})", ("(0.0 if {1} == 0 else {1} * @pow({0}, {1} - 1))",
                                  "(0.0 if {0} == 0 and {1} > 0 else {v} * @log({0}))"),
               _POW_GUARD),
       wide=(lambda x, y, v: stable.wide_dpow(x, y, v)[0],
             lambda x, y, v: stable.wide_dpow(x, y, v)[1]),
       wide_second=(lambda x, y, v: stable.wide_d2pow(x, y, v)[0],
                    lambda x, y, v: stable.wide_d2pow(x, y, v)[1],
                    lambda x, y, v: stable.wide_d2pow(x, y, v)[2]),
       big=operator.pow),
    _fn("sin", math.sin, lambda x, o: math.cos(x), lambda x, o: -o, "cos({0})",
        _call("sin", "@cos({0})")),
    _fn("cos", math.cos, lambda x, o: -math.sin(x), lambda x, o: -o, "-sin({0})",
        _call("cos", "-@sin({0})")),
    _fn("tan", math.tan, lambda x, o: 1.0 + o * o, lambda x, o: 2.0 * o * (1.0 + o * o),
        "1/cos({0})^2", _call("tan", "1.0 + {v} * {v}")),
    _fn("asin", math.asin, lambda x, o: 1.0 / math.sqrt(1.0 - x * x),
        lambda x, o: x / (1.0 - x * x) ** 1.5, "1/sqrt(1 - {0}^2)",
        _call("asin", "1.0 / @sqrt(1.0 - {0} * {0})", guard=_UNIT), "-1 <= x <= 1"),
    _fn("acos", math.acos, lambda x, o: -1.0 / math.sqrt(1.0 - x * x),
        lambda x, o: -x / (1.0 - x * x) ** 1.5, "-1/sqrt(1 - {0}^2)",
        _call("acos", "-1.0 / @sqrt(1.0 - {0} * {0})", guard=_UNIT), "-1 <= x <= 1"),
    _fn("atan", math.atan, lambda x, o: 1.0 / (1.0 + x * x),
        lambda x, o: -2.0 * (x / (1.0 + x * x)) / (1.0 + x * x), "1/(1 + {0}^2)",
        _call("atan", "1.0 / (1.0 + {0} * {0})"), wide=lambda x, v: 1 / (1 + x * x),
        wide2=lambda x, v: -2 * x / (1 + x * x) ** 2),
    _fn("sinh", math.sinh, lambda x, o: math.cosh(x), lambda x, o: o, "cosh({0})",
        _call("sinh", "@cosh({0})")),
    _fn("cosh", math.cosh, lambda x, o: math.sinh(x), lambda x, o: o, "sinh({0})",
        _call("cosh", "@sinh({0})")),
    _fn("tanh", math.tanh, lambda x, o: stable.dtanh(x), lambda x, o: -2.0 * o * stable.dtanh(x),
        "1 - tanh({0})^2", Code("@tanh({0})", (_DTANH.replace("@{abs}", "@abs"),)),
        py=Code("@tanh({0})", (_DTANH.replace("@{abs}", "@fabs"),)), wide=stable.wide_tanh),
    _fn("exp", math.exp, lambda x, o: o, lambda x, o: o, "exp({0})", _call("exp", "{v}"),
        wide=lambda x, v: x.exp(), wide2=lambda x, v: x.exp(), big=lambda x: x.exp()),
    _fn("log", _log, lambda x, o: 1.0 / x, lambda x, o: -1.0 / x / x, "1/{0}",
        _call("log", "1.0 / {0}", guard=_POSITIVE), "x > 0", wide=lambda x, v: 1 / x,
        wide2=lambda x, v: -1 / (x * x), big=lambda x: x.ln()),
    _fn("log2", _log2, lambda x, o: 1.0 / x / math.log(2.0),
        lambda x, o: -1.0 / x / x / math.log(2.0), "1/({0}*log(2))",
        Code("@log2({0})", ("1.0 / {0} / @log(2.0)",), _POSITIVE), "x > 0",
        wide=lambda x, v: 1 / (x * type(x)(2).ln()),
        wide2=lambda x, v: -1 / (x * x * type(x)(2).ln()),
        big=lambda x: x.ln() / type(x)(2).ln()),
    _fn("log10", _log10, lambda x, o: 1.0 / x / math.log(10.0),
        lambda x, o: -1.0 / x / x / math.log(10.0), "1/({0}*log(10))",
        Code("@log10({0})", ("1.0 / {0} / @log(10.0)",), _POSITIVE), "x > 0",
        wide=lambda x, v: 1 / (x * type(x)(10).ln()),
        wide2=lambda x, v: -1 / (x * x * type(x)(10).ln()), big=lambda x: x.log10()),
    _fn("sqrt", math.sqrt, lambda x, o: 0.5 / o, lambda x, o: -0.25 / o / o / o,
        "1/(2*sqrt({0}))", _call("sqrt", "0.5 / {v}", guard="{0} >= 0.0"), "x >= 0",
        wide=lambda x, v: 1 / (2 * v), wide2=lambda x, v: -1 / (4 * v * v * v),
        big=lambda x: x.sqrt()),
    _fn("abs", abs, lambda x, o: _sign(x), _zero, "sign({0})",
        _call("abs", "({0} > 0 ? 1.0 : {0} < 0 ? -1.0 : 0.0)"),
        kink=_kink_at_zero("abs' is -1 from the left and 1 from the right",
                           "0 (sign(0)), as PyTorch does; JAX uses 1"),
        py=Code("abs({0})", ("(1.0 if {0} > 0 else -1.0 if {0} < 0 else 0.0)",)), big=abs),
    _fn("sigmoid", stable.sigmoid, lambda x, o: stable.dsigmoid(x),
        lambda x, o: stable.dsigmoid(x) * (1.0 - 2.0 * o), "sigmoid({0})*(1 - sigmoid({0}))",
        Code(_SIGMOID_C, (_DSIGMOID.replace("@{abs}", "@abs"),)),
        py=Code(_SIGMOID_PY, (_DSIGMOID.replace("@{abs}", "@fabs"),)), wide=stable.wide_sigmoid),
    _fn("relu", lambda x: x if x > 0 else 0.0, lambda x, o: 1.0 if x > 0 else 0.0, _zero,
        "({0} > 0)", Code("({0} > 0 ? {0} : 0.0)", ("({0} > 0 ? 1.0 : 0.0)",)),
        kink=_kink_at_zero("relu' is 0 from the left and 1 from the right",
                           "0, as PyTorch and JAX do"),
        py=Code("({0} if {0} > 0 else 0.0)", ("(1.0 if {0} > 0 else 0.0)",)),
        big=lambda x: (x + abs(x)) / 2),
    _fn("softplus", stable.softplus, lambda x, o: stable.sigmoid(x),
        lambda x, o: stable.dsigmoid(x), "sigmoid({0})",
        Code("({0} > 0.0 ? {0} : 0.0) + @log1p(@exp(-@abs({0})))", (_SIGMOID_C,)),
        py=Code("max({0}, 0.0) + @log1p(@exp(-abs({0})))", (_SIGMOID_PY,)),
        wide=stable.wide_softplus),
    Op("max", 2, max, (lambda x, y, o: _step(x, y), lambda x, y, o: _step(y, x)), _LINEAR,
       "max({0}, {1})", ("step({0} - {1})", "step({1} - {0})"), kink=_kink_at_tie("max", "larger"),
       code=Code("({1} > {0} ? {1} : {0})", ("({0} > {1} ? 1.0 : {0} < {1} ? 0.0 : 0.5)",
                                            "({1} > {0} ? 1.0 : {1} < {0} ? 0.0 : 0.5)")),
       py=Code("max({0}, {1})", ("(1.0 if {0} > {1} else 0.0 if {0} < {1} else 0.5)",
                                 "(1.0 if {1} > {0} else 0.0 if {1} < {0} else 0.5)")), big=max),
    Op("min", 2, min, (lambda x, y, o: _step(y, x), lambda x, y, o: _step(x, y)), _LINEAR,
       "min({0}, {1})", ("step({1} - {0})", "step({0} - {1})"), kink=_kink_at_tie("min", "smaller"),
       code=Code("({1} < {0} ? {1} : {0})", ("({1} > {0} ? 1.0 : {1} < {0} ? 0.0 : 0.5)",
                                            "({0} > {1} ? 1.0 : {0} < {1} ? 0.0 : 0.5)")),
       py=Code("min({0}, {1})", ("(1.0 if {1} > {0} else 0.0 if {1} < {0} else 0.5)",
                                 "(1.0 if {0} > {1} else 0.0 if {0} < {1} else 0.5)")), big=min),
]



def _compare(name: str, sign: str, test: Callable[[float, float], bool]) -> Op:
    """A 0/1 comparison (`y*score > 0`, for accuracy and masks): a step, whose derivative is
    0 on either side of the tie, where it jumps."""
    said = (f"the operands are equal, where ({sign}) jumps between 0 and 1: its derivative "
            "is 0 on either side and bpcalc uses 0 there, as PyTorch and JAX do (a "
            "comparison passes no gradient)")
    return Op(name, 2, lambda x, y: 1.0 if test(x, y) else 0.0, (_zero, _zero), _LINEAR,
              "({0} " + sign + " {1})", ("0", "0"),
              kink=lambda x, y, out: said if x == y else None,
              code=Code(f"({{0}} {sign} {{1}} ? 1.0 : 0.0)", ("0.0", "0.0")),
              py=Code(f"(1.0 if {{0}} {sign} {{1}} else 0.0)", ("0.0", "0.0")))


_OPS += [_compare("lt", "<", operator.lt), _compare("gt", ">", operator.gt),
         _compare("le", "<=", operator.le), _compare("ge", ">=", operator.ge)]

OPS: dict[str, Op] = {op.name: op for op in _OPS}
OPERATORS = frozenset({"add", "sub", "mul", "div", "neg", "lt", "gt", "le", "ge"})

# The names a user can call as functions (binary operators have no call form but pow).
FUNCTIONS: dict[str, int] = {
    name: op.arity for name, op in OPS.items() if name not in OPERATORS
}
CONSTANTS: dict[str, float] = {"pi": math.pi}


def widened(op: Op, slot: int) -> bool:
    """Whether operand `slot`'s partial may be beyond a double: its row gives it in wide numbers."""
    return slot < len(op.wide) and op.wide[slot] is not None


def second_index(slot: int, other: int) -> int:
    """Where the second partial over operand slots (slot, other) sits in `Op.second`."""
    return slot + other  # unary: (0, 0) -> 0; binary: xx -> 0, xy and yx -> 1, yy -> 2


def definition_text(op: Op, operands: list[str]) -> str:
    if op.text.endswith(")"):  # a call needs no parentheses around a negative number
        operands = [o[1:-1] if o.startswith("(-") else o for o in operands]
    return op.text.format(*operands)


def partial_text(op: Op, slot: int, operands: list[str]) -> str:
    t = op.dtext[slot]
    return t(operands) if callable(t) else t.format(*operands)
