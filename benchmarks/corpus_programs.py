"""The programs of the corpus (issue 27): one generator a form, each writing bpcalc's text,
its point (every input, as `--point` reads it), and the same program as scalar text for
the naive tape and micrograd (family programs unrolled, with a point of scalar names:
`x[3]` is `x_3`, `W[2,1]` is `W_2_1`). Every form is sized to about NODES graph nodes
and drawn from its own `random.Random`, so the same NODES gives the same files.

Values are kept inside every operation's domain and within +-BOUND as the text is
written (each random line's value is computed as it is drawn), so every form is defined
at its point and no gradient overflows. Long sums are written 50 terms a line, as a
generator script would: micrograd's Python cannot compile a sum of 3,000 terms.

    .venv/bin/python benchmarks/corpus_programs.py FORM [NODES]   # print one form
"""

from __future__ import annotations

import math
import operator
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import forms
import workloads as wls

BOUND = 10.0  # every generated value stays within +-BOUND
MOONS = Path(__file__).resolve().parent.parent / "examples" / "moons.txt"
PER_LINE = 50  # terms a line in a long sum


@dataclass(frozen=True)
class Form:
    key: str
    title: str
    program: str  # bpcalc's text
    point: dict  # bpcalc's --point: numbers; arrays for families; sizes
    scalar: str = ""  # the same program as scalar text, where it differs ("" = program)
    scalar_point: dict | None = None  # the inputs of `scalar`

    @property
    def tape_text(self) -> str:
        return self.scalar or self.program

    @property
    def tape_point(self) -> dict:
        return self.scalar_point if self.scalar_point is not None else self.point


# -- operations and their domains -----------------------------------------------------------

def _any(*_: float) -> bool:
    return True


_TAPE: dict = {}
exec(forms.FUNCTIONS, _TAPE)  # the language's functions, as the naive tape computes them
UNARY: list[str] = list(_TAPE["FUNCS"])
CALLS: list[str] = list(_TAPE["CALLS"])
INFIX = ["+", "-", "*", "/", "^"]
VALUE: dict[str, Callable[..., float]] = {
    **_TAPE["FUNCS"], **_TAPE["CALLS"], "+": operator.add, "-": operator.sub,
    "*": operator.mul, "/": operator.truediv, "^": operator.pow}
DOMAIN: dict[str, Callable[..., bool]] = {
    "tan": lambda x: abs(math.cos(x)) > 0.3, "asin": lambda x: abs(x) < 0.9,
    "acos": lambda x: abs(x) < 0.9, "sinh": lambda x: abs(x) < 2.5,
    "cosh": lambda x: abs(x) < 2.5, "exp": lambda x: x < 2.0, "log": lambda x: x > 0.2,
    "log2": lambda x: x > 0.2, "log10": lambda x: x > 0.2, "sqrt": lambda x: x > 0.2,
    "abs": lambda x: x != 0, "relu": lambda x: x != 0,  # no kinks
    "pow": lambda x, y: x > 0.2 and abs(y) <= 3, "max": operator.ne, "min": operator.ne,
    "/": lambda x, y: abs(y) > 0.5,
    "^": lambda x, y: x > 0.2 and abs(y) <= 3,  # x^y by a computed y needs log(x)
}


def value(op: str, *args: float) -> float | None:
    """op's value at args, or None outside its domain (with a margin, so that local
    derivatives stay moderate), outside +-BOUND, or where floats fail."""
    if not DOMAIN.get(op, _any)(*args):
        return None
    try:
        v = VALUE[op](*args)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return v if isinstance(v, float | int) and abs(v) <= BOUND else None


class Writer:
    """A program being written: its lines, each name's value, and how many nodes so far
    (inputs and operations; constants are not nodes in bpcalc)."""

    def __init__(self, rng: random.Random, inputs: dict[str, float]) -> None:
        self.rng, self.inputs = rng, inputs
        self.lines: list[str] = []
        self.value: dict[str, float] = dict(inputs)
        self.nodes = len(inputs)
        self.count = 0

    def assign(self, text: str, v: float, ops: int) -> str:
        name = f"t{self.count}"
        self.count += 1
        self.lines.append(f"{name} = {text}")
        self.value[name] = v
        self.nodes += ops
        return name

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def pool(rng: random.Random, n: int, lo: float, hi: float, prefix: str = "p") -> dict:
    return {f"{prefix}_{i}": round(rng.uniform(lo, hi), 6) for i in range(n)}


def const(rng: random.Random) -> float:
    return rng.choice((2.0, 3.0, 0.5, round(rng.uniform(-2, 2), 4), round(rng.uniform(0.2, 2), 3)))


# -- random programs: blocks of lines, each block's last value added to a running total --

def blocks(w: Writer, size: int, line: Callable[[Writer, list[str]], str | None],
           lines: bool = False) -> str:
    """Blocks of 4 to 24 random lines (each reads the block's earlier names and the inputs),
    each block's last value added to a running total; about `size` nodes (or lines)."""
    total = None
    while (len(w.lines) if lines else w.nodes) < size:
        recent: list[str] = []
        for _ in range(w.rng.randint(4, 24)):
            name = line(w, recent)
            if name is not None:
                recent.append(name)
        if recent:
            last = recent[-1]
            total = last if total is None else w.assign(
                f"{total} + {last}", w.value[total] + w.value[last], 1)
    return w.text()


def operand(w: Writer, recent: list[str]) -> str:
    """Mostly the line just written (so few values go unused), else an earlier one or an
    input."""
    r = w.rng.random()
    if recent and r < 0.6:
        return recent[-1]
    if recent and r < 0.8:
        return w.rng.choice(recent)
    return w.rng.choice(list(w.inputs))


def three_address_line(w: Writer, recent: list[str]) -> str | None:
    """One operation: a constant, a function, an operator or a call of two operands;
    constants on their own lines."""
    rng = w.rng
    kind = rng.choices(("const", "unary", "infix", "call"), (1, 3, 5, 1))[0]
    if kind == "const":
        c = const(rng)
        return w.assign(repr(c), c, 0)
    a = operand(w, recent)
    if kind == "unary":
        f = rng.choice(UNARY)
        v = value(f, w.value[a])
        return None if v is None else w.assign(f"{f}({a})", v, 1)
    b = operand(w, recent)
    if b == a:  # not t - t, t / t: an input instead
        b = w.rng.choice(list(w.inputs))
    op = rng.choice(INFIX if kind == "infix" else CALLS)
    v = value(op, w.value[a], w.value[b])
    if v is None:
        return None
    return w.assign(f"{a} {op} {b}" if kind == "infix" else f"{op}({a}, {b})", v, 1)


def call_line(w: Writer, recent: list[str]) -> str | None:
    """One call of any function, its operands names or numbers written inline."""
    rng = w.rng
    f = rng.choice([*UNARY, *CALLS])
    args = [operand(w, recent) for _ in range(1 if f in UNARY else 2)]
    if f in CALLS and rng.random() < 0.4:
        c = const(rng)
        v = value(f, w.value[args[0]], c)
        return None if v is None else w.assign(f"{f}({args[0]}, {c!r})", v, 1)
    v = value(f, *(w.value[a] for a in args))
    return None if v is None else w.assign(f"{f}({', '.join(args)})", v, 1)


FUZZ_CONSTANTS = {"2": 2.0, "0.5": 0.5, "3": 3.0, "pi": math.pi, "1e-3": 1e-3}


def fuzz_expression(w: Writer, atoms: list[tuple[str, float]], depth: int
                    ) -> tuple[str, float, int]:
    """An expression as tests/test_fuzz.py draws one (a function, an operator in
    parentheses or a call of two, three deep), redrawn where it leaves its domain:
    (text, value, operations)."""
    rng = w.rng
    for _ in range(20):
        if depth == 0 or rng.randrange(4) == 0:
            break
        kind = rng.randrange(3)
        a, av, an = fuzz_expression(w, atoms, depth - 1)
        if kind == 0:
            f = rng.choice(UNARY)
            v = value(f, av)
            if v is not None:
                return f"{f}({a})", v, an + 1
            continue
        b, bv, bn = fuzz_expression(w, atoms, depth - 1)
        op = rng.choice(INFIX if kind == 1 else CALLS)
        if a == b and op in ("-", "/"):  # x - x, x / x: gradients that are rounding noise
            continue
        v = value(op, av, bv)
        if v is not None:
            return (f"({a} {op} {b})" if kind == 1 else f"{op}({a}, {b})"), v, an + bn + 1
    text, v = rng.choice(atoms)
    return text, v, 0


def fuzz_line(w: Writer, recent: list[str]) -> str | None:
    atoms = [*FUZZ_CONSTANTS.items(), *((n, w.value[n]) for n in recent[-4:])]
    atoms += [(n, w.value[n]) for n in w.rng.sample(list(w.inputs), 4)]
    text, v, ops = fuzz_expression(w, atoms, 3)
    return w.assign(text, v, ops) if ops else None


# -- the forms ----------------------------------------------------------------------------

def chain(nodes: int) -> Form:
    wl = wls.chain(max(nodes // 3, 1))
    return Form("chain", "chain `x = sin(x)*a + b`, three-address", forms.three_address(wl),
                _floats(wl.values))


def chain_reassigned(nodes: int) -> Form:
    wl = wls.chain(max(nodes // 3, 1))
    return Form("chain-reassign", "chain, reassigned (`x = sin(x)*a + b` a line)",
                wl.program, _floats(wl.values))


def chain_ssa(nodes: int) -> Form:
    wl = wls.chain(max(nodes // 3, 1))
    return Form("chain-ssa", "chain, SSA names (`x2 = sin(x1)*a + b`)", forms.ssa(wl),
                _floats(wl.values))


def chain_commented(nodes: int) -> Form:
    """The chain's three-address code with comments and blank lines mixed in."""
    rng = random.Random(11)
    out: list[str] = []
    for line in chain(nodes).program.splitlines():
        r = rng.random()
        if r < 0.1:
            out.append(f"# {rng.choice(('step', 'scale', 'shift', 'note'))} {len(out)}: "
                       f"{line}")
        elif r < 0.15:
            out.append("")
        out.append(f"{line}  # {rng.choice(('sin', 'times a', 'plus b'))}"
                   if rng.random() < 0.3 else line)
    return Form("comments", "chain, comments and blank lines mixed in", "\n".join(out) + "\n",
                chain(nodes).point)


def least_squares(nodes: int, inline: bool) -> Form:
    """sum (w_i*x_i - y_i)**2 in three-address code, each constant inline or on its own
    line, and an accumulator."""
    wl = wls.loss(max(nodes // 5, 2))
    lines: list[str] = []

    def op(text: str) -> str:
        lines.append(f"t{len(lines)} = {text}")
        return f"t{len(lines) - 1}"
    total = None
    for i, (x, y) in enumerate(wl.data):
        x_, y_ = (repr(x), repr(y)) if inline else (op(repr(x)), op(repr(y)))
        product = op(f"w_{i} * {x_}")
        square = op(f"{op(f'{product} - {y_}')} ** 2")
        total = square if total is None else op(f"{total} + {square}")
    key, where = ("lsq-inline", "inline") if inline else ("lsq", "on their own lines")
    return Form(key, f"least squares, `** 2`, accumulator, constants {where}",
                "\n".join(lines) + "\n", _floats(wl.values))


def least_squares_accumulated(nodes: int) -> Form:
    wl = wls.loss(max(nodes // 5, 2))
    return Form("lsq-accumulate", "least squares, `loss += (w_i*x - y)^2` a line", wl.program,
                _floats(wl.values))


def dag(nodes: int, joined: bool = False) -> Form:
    """t2 = t0 + t1; t3 = t2 * c; t4 = t2 * d: each sum used twice (c + d = 1: no growth)."""
    groups, lines = max(nodes // 3, 1), ["t0 = sin(u)", "t1 = cos(v)"]
    for g in range(groups):
        k = 2 + 3 * g
        lines.append(f"t{k} = t{k - 2} + t{k - 1}; t{k + 1} = t{k} * c; t{k + 2} = t{k} * d")
    text = "\n".join(lines) + "\n"
    if not joined:
        text = text.replace("; ", "\n")
    point = {"u": 0.3, "v": 0.6, "c": 0.625, "d": 0.375}
    if joined:
        return Form("dag-semicolons", "DAG, each group of three on one line with `;`", text, point)
    return Form("dag", "DAG, each value used twice (`t2 = t0 + t1; t3 = t2 * c; ...`)", text,
                point)


def random_three_address(nodes: int) -> Form:
    rng = random.Random(4)
    w = Writer(rng, pool(rng, max(nodes // 50, 4), -1.5, 1.5))
    return read_inputs("random", "random three-address program, no repeating shape",
                       blocks(w, nodes, three_address_line), w.inputs)


def calls(nodes: int) -> Form:
    rng = random.Random(8)
    w = Writer(rng, pool(rng, max(nodes // 50, 4), -1.5, 1.5))
    return read_inputs("calls", "calls of every function, of one and two operands",
                       blocks(w, nodes, call_line), w.inputs)


def fuzz(size: int) -> Form:
    """Sized in lines, as the issue asks (10^5 lines make some 2.7x10^5 nodes)."""
    rng = random.Random(12)
    inputs = {"x": 0.7, "y": -1.3, "z": 2.1, **pool(rng, max(size // 50, 4), -1.5, 1.5)}
    w = Writer(rng, inputs)
    return read_inputs("fuzz", "mixed shapes, random lines as the fuzz tests draw them",
                       blocks(w, size, fuzz_line, lines=True), inputs)


def terms_program(rng: random.Random, nodes: int, per_term: int, templates: tuple[str, ...],
                  shared: dict[str, float], lo: float = 0.5, hi: float = 1.5
                  ) -> tuple[str, dict]:
    """A term a line from `templates` (each reads its own input {p}), the terms added up
    in three-address code: tK = tTotal + tTerm."""
    n = max(nodes // per_term, 2)
    inputs = pool(rng, n, lo, hi)
    lines: list[str] = []
    total = None
    for i in range(n):
        lines.append(f"t{len(lines)} = {rng.choice(templates).format(p=f'p_{i}')}")
        if total is not None:
            lines.append(f"t{len(lines)} = {total} + t{len(lines) - 1}")
        total = f"t{len(lines) - 1}"
    return "\n".join(lines) + "\n", {**shared, **inputs}


def powers(nodes: int) -> Form:
    templates = ("{p} ** 2", "{p} ^ 3", "pow({p}, 1.5)", "pow({p}, q)", "2 ^ {p}",
                 "{p} ** -0.5", "{p} ^ q", "pow(2, {p})", "q ** {p}", "{p} ^ 0.5 ** 2")
    return Form("powers", "powers as `**`, `^` and `pow`, constant and variable exponents",
                *terms_program(random.Random(6), nodes, 3, templates, {"q": 0.7}))


def unary_minus(nodes: int) -> Form:
    templates = ("-{p}", "-{p} * a", "a - -{p}", "-({p} + a)", "-{p} ** 2", "2 ** -{p}",
                 "-sin({p})", "a * -{p} - -a", "-(-{p})", "-{p} / -a")
    return Form("neg", "unary minus in every place",
                *terms_program(random.Random(7), nodes, 4, templates, {"a": 0.8}))


def long_lines(nodes: int) -> Form:
    """Lines of 50 terms (products, scalings, functions, powers of the inputs, + and -),
    each line's first term the line before."""
    rng = random.Random(9)
    inputs = pool(rng, max(nodes // 20, 10), 0.5, 1.5)
    names = list(inputs)
    templates = ("{p}*{q}", "0.3*{p}", "sin({p})", "{p}^2", "{p}/{q}", "tanh({p} - {q})",
                 "{p}", "exp(-{p})", "{p}*{q}*0.5", "sqrt({p})")
    lines: list[str] = []
    previous, made = None, len(inputs)
    while made < nodes:
        terms = [rng.choice(templates).format(p=rng.choice(names), q=rng.choice(names))
                 for _ in range(PER_LINE)]
        text = terms[0] + "".join(f" {rng.choice('+-')} {t}" for t in terms[1:])
        lines.append(f"t{len(lines)} = {previous} + {text}" if previous else
                     f"t{len(lines)} = {text}")
        previous = f"t{len(lines) - 1}"
        made += 2 * PER_LINE + 1
    return read_inputs("long", f"long expressions, {PER_LINE} terms a line",
                       "\n".join(lines) + "\n", inputs)


def reassignment(nodes: int) -> Form:
    """Names assigned again and again: `x = tanh(x*a + p)`, `s += x*p`, `s -= ...`,
    `m *= ...`, `q /= ...`."""
    rng = random.Random(10)
    inputs = {"x0": 0.3, "a": 0.9}
    templates = ("x = tanh(x*a + {p})", "s += x*{p}", "s -= 0.01*{p}^2", "m *= 1 + 0.001*x",
                 "q /= 1 + 0.001*{p}^2", "x = x - 0.1*sin(x)", "s += {p}")
    lines = ["x = x0", "s = 0", "m = 1", "q = 1"]
    for _ in range(max(nodes // 4, 4)):
        template = rng.choice(templates)
        if "{p}" in template:  # a new input each time: every input is read
            inputs[f"p_{len(inputs)}"] = round(rng.uniform(-1, 1), 6)
        lines.append(template.format(p=f"p_{len(inputs) - 1}"))
    lines.append("out = s + m + q + x")
    return Form("reassign", "reassignment and `+=`, `-=`, `*=`, `/=`", "\n".join(lines) + "\n",
                inputs)


# -- family programs, each beside the same program unrolled as scalar text --------------

def chunked(name: str, terms: list[str], per: int = PER_LINE) -> list[str]:
    """`name = t1 + ... + t50`, then `name = name + t51 + ...`: the sum left to right, as
    a family's sum adds it, in lines a Python compiler takes."""
    lines = [f"{name} = {' + '.join(terms[:per])}"]
    lines += [f"{name} = {name} + {' + '.join(terms[k:k + per])}"
              for k in range(per, len(terms), per)]
    return lines


def scalars(values: dict, sizes: tuple[str, ...] = ()) -> dict[str, float]:
    """Family values (a point, a gradient) by scalar names: x=[..] gives x_1, x_2, ...,
    W=[[..]] W_1_1, W_1_2, ...; the sizes named are left out."""
    out: dict[str, float] = {}
    for name, v in values.items():
        if isinstance(v, list):
            for index, x in _elements(v):
                out[f"{name}_{'_'.join(map(str, index))}"] = float(x)
        elif name not in sizes:
            out[name] = float(v)
    return out


def _elements(v: list, index: tuple = ()) -> list[tuple[tuple[int, ...], float]]:
    out: list[tuple[tuple[int, ...], float]] = []
    stack = [(index, v)]
    while stack:
        at, item = stack.pop()
        if isinstance(item, list):
            stack += [((*at, k + 1), x) for k, x in reversed(list(enumerate(item)))]
        else:
            out.append((at, item))
    return out


def _array(rng: random.Random, *shape: int, lo: float = -1.0, hi: float = 1.0) -> list:
    if len(shape) == 1:
        return [round(rng.uniform(lo, hi), 6) for _ in range(shape[0])]
    return [_array(rng, *shape[1:], lo=lo, hi=hi) for _ in range(shape[0])]


def family_sum(nodes: int) -> Form:
    n = max(nodes // 3, 2)
    point = {"n": n, "x": _array(random.Random(13), n)}
    scalar = chunked("s", [f"x_{i}^2" for i in range(1, n + 1)])
    return Form("fam-sum", "family: `s = sum(x[i]^2 for i in 1..n)`, x a JSON array",
                "s = sum(x[i]^2 for i in 1..n)\n", point, "\n".join(scalar) + "\n",
                scalars(point, ("n",)))


def family_dense(nodes: int, k: int = 100) -> Form:
    m = max(nodes // (3 * k), 1)
    rng = random.Random(14)
    scale = 1 / math.sqrt(k)  # as a layer is drawn: its tanh is not saturated
    point = {"W": _array(rng, m, k, lo=-scale, hi=scale), "x": _array(rng, k),
             "b": _array(rng, m), "t": _array(rng, m)}
    program = ("y[j] = tanh(sum(W[j,i]*x[i] for i) + b[j])\n"
               "L = sum((y[j] - t[j])^2 for j)\n")
    lines = [f"y_{j} = tanh({' + '.join(f'W_{j}_{i}*x_{i}' for i in range(1, k + 1))} + b_{j})"
             for j in range(1, m + 1)]
    lines += chunked("L", [f"(y_{j} - t_{j})^2" for j in range(1, m + 1)])
    return Form("fam-dense", f"family: a dense layer {k} -> {m}, tanh, squared loss", program,
                point, "\n".join(lines) + "\n", scalars(point))


def family_rnn(nodes: int) -> Form:
    steps = max(nodes // 9, 2)
    rng = random.Random(15)
    point = {"T": steps, "u": 0.5, "w": 0.8, "x": _array(rng, steps), "y": _array(rng, steps)}
    program = ("h[1] = tanh(u*x[1])\n"
               "h[t] = tanh(w*h[t-1] + u*x[t]) for t in 2..T\n"
               "L = sum((h[t] - y[t])^2 for t in 1..T)\n")
    lines = ["h_1 = tanh(u*x_1)"]
    lines += [f"h_{t} = tanh(w*h_{t - 1} + u*x_{t})" for t in range(2, steps + 1)]
    lines += chunked("L", [f"(h_{t} - y_{t})^2" for t in range(1, steps + 1)])
    return Form("fam-rnn", "family: a recurrence `h[t] = tanh(w*h[t-1] + u*x[t])` + loss",
                program, point, "\n".join(lines) + "\n", scalars(point, ("T",)))


def moons(nodes: int | None) -> Form:
    """examples/moons.txt (micrograd's demo, 2-H-H-1 with ReLU) at one data row: H = 16 as
    the example has it (nodes None), else H wide enough for about `nodes` nodes."""
    program = MOONS.read_text()
    h = 16 if nodes is None else max(int(math.sqrt(nodes / 5)), 2)
    rng = random.Random(16)
    point = {"W1": _array(rng, h, 2), "b1": _array(rng, h), "W2": _array(rng, h, h),
             "b2": _array(rng, h), "w3": _array(rng, h), "b3": round(rng.uniform(-1, 1), 6),
             "x": [0.8, -0.3], "y": -1.0}
    r = range(1, h + 1)
    lines = [f"h1_{j} = relu(W1_{j}_1 * x_1 + W1_{j}_2 * x_2 + b1_{j})" for j in r]
    lines += [f"h2_{k} = relu({' + '.join(f'W2_{k}_{j} * h1_{j}' for j in r)} + b2_{k})"
              for k in r]
    lines.append(f"score = {' + '.join(f'w3_{k} * h2_{k}' for k in r)} + b3")
    weights = [f"W1_{j}_{i}" for j in r for i in (1, 2)]
    weights += [f"W2_{k}_{j}" for k in r for j in r] + [f"w3_{k}" for k in r]
    lines += chunked("r", [f"{w}^2" for w in weights])
    lines.append("loss = relu(1 - y*score) + 1e-4 * r")  # acc, a comparison, is left out
    key, title = ("moons", "family: examples/moons.txt (2-16-16-1), one row") if nodes is None \
        else ("moons-wide", f"family: examples/moons.txt widened to 2-{h}-{h}-1, one row")
    return Form(key, title, program, point, "\n".join(lines) + "\n", scalars(point))


def read_inputs(key: str, title: str, text: str, inputs: dict[str, float]) -> Form:
    """The form with the inputs its text reads (a point may name no other)."""
    read = set(re.findall(r"[A-Za-z_]\w*", text))
    return Form(key, title, text, {k: v for k, v in inputs.items() if k in read})


def _floats(values: dict[str, str]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()}


# The corpus, in the order of the report: the four rows first.
FORMS: dict[str, Callable[[int], Form]] = {
    "chain": chain,
    "lsq": lambda n: least_squares(n, inline=False),
    "dag": dag,
    "random": random_three_address,
    "lsq-inline": lambda n: least_squares(n, inline=True),
    "powers": powers,
    "neg": unary_minus,
    "calls": calls,
    "long": long_lines,
    "reassign": reassignment,
    "comments": chain_commented,
    "fuzz": fuzz,
    "chain-reassign": chain_reassigned,
    "chain-ssa": chain_ssa,
    "lsq-accumulate": least_squares_accumulated,
    "dag-semicolons": lambda n: dag(n, joined=True),
    "fam-sum": family_sum,
    "fam-dense": family_dense,
    "fam-rnn": family_rnn,
    "moons": lambda n: moons(None),
    "moons-wide": moons,
}


if __name__ == "__main__":
    form = FORMS[sys.argv[1]](int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    print(f"# {form.key}: {form.title}; point {form.point}")
    print(form.program, end="")
    if form.scalar:
        print(f"# --- scalar text; point {form.scalar_point}")
        print(form.scalar, end="")
