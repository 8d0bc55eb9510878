"""Formula trees: the op table's formula text read into small trees (`parse`), with
operands substituted, written as text (the input language's syntax, `·` between
chain-rule factors) or LaTeX, and evaluated to numbers at a point (`diff --check`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from ..numbers import number_text
from .tex import tex_name

# --- formula trees ----------------------------------------------------------------------

class Num(NamedTuple):
    value: float


class Name(NamedTuple):
    text: str  # a node's id, or `δ_v`
    node: int  # the node it stands for (its value, or for δ its adjoint)
    adjoint: bool = False


class Slot(NamedTuple):  # an operand placeholder in a parsed op template
    k: int


class Call(NamedTuple):
    fn: str
    args: tuple[Tree, ...]


class Bin(NamedTuple):
    op: str  # + - * / ^, or a comparison > < >= <= (1 or 0)
    left: Tree
    right: Tree


class Neg(NamedTuple):
    arg: Tree


class Chain(NamedTuple):  # the chain rule's product, written with `·`
    factors: tuple[Tree, ...]


class Sum(NamedTuple):  # the chain rule's sum over edges
    terms: tuple[Tree, ...]


class Elem(NamedTuple):  # a family's element by its index variables, `W1[j,i]`, or its δ
    name: str  # a family, or a scalar (index ()), or an index variable read as a number
    at: tuple[str, ...]
    adjoint: bool = False


class Over(NamedTuple):  # Σ over index variables, each over its range (both ends included)
    vars: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    body: Tree


Tree = Num | Name | Slot | Call | Bin | Neg | Chain | Sum | Elem | Over

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(§\d+)|"
                    r"([A-Za-z_][A-Za-z_0-9.]*)|([<>]=|.))")
_COMPARE = frozenset({">", "<", ">=", "<="})  # a comparison is 1 or 0


def parse(text: str) -> Tree:
    """An op table formula (`1 - tanh(§0)^2`, `({0} > 0)` with §k for operand k) as a tree.
    Precedence as the input language: ^ (right), unary -, * /, + -; a comparison only
    inside parentheses."""
    return _Parser(text).expr()


class _Parser:
    """Recursive descent over a template's few tokens (a stack of operators would do)."""

    def __init__(self, text: str) -> None:
        self.tokens = [(m.group(1), m.group(2), m.group(3), m.group(4))
                       for m in _TOKEN.finditer(text) if m.group(0).strip()]
        self.pos = 0

    def peek(self) -> str:
        if self.pos >= len(self.tokens):
            return ""
        return next((t for t in self.tokens[self.pos] if t is not None), "")

    def take(self) -> tuple[str | None, ...]:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expr(self) -> Tree:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[3]
            left = Bin(op or "+", left, self.term())
        return left

    def term(self) -> Tree:
        left = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[3]
            left = Bin(op or "*", left, self.unary())
        return left

    def unary(self) -> Tree:
        if self.peek() == "-":
            self.take()
            return Neg(self.unary())
        return self.power()

    def power(self) -> Tree:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return Bin("^", base, self.unary())
        return base

    def atom(self) -> Tree:
        number, slot, name, other = self.take()
        if number is not None:
            return Num(float(number))
        if slot is not None:
            return Slot(int(slot[1:]))
        if name is not None:
            if self.peek() != "(":
                raise ValueError(f"a name in an op formula: {name}")
            self.take()
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take()  # ")"
            return Call(name, tuple(args))
        if other == "(":
            inner = self.expr()
            if self.peek() in _COMPARE:
                op = self.take()[3] or ">"
                inner = Bin(op, inner, self.expr())
            self.take()  # ")"
            return inner
        raise ValueError(f"unexpected {other!r} in an op formula")


def substitute(tree: Tree, operands: Sequence[Tree]) -> Tree:
    """The tree with each Slot k replaced by operands[k] (a loop over a stack of parts
    would do; op templates are a few levels deep)."""
    if isinstance(tree, Slot):
        return operands[tree.k]
    if isinstance(tree, Call):
        return Call(tree.fn, tuple(substitute(a, operands) for a in tree.args))
    if isinstance(tree, Bin):
        return Bin(tree.op, substitute(tree.left, operands), substitute(tree.right, operands))
    if isinstance(tree, Neg):
        return Neg(substitute(tree.arg, operands))
    return tree


def replace(tree: Tree, old: Tree, new: Tree) -> Tree:
    """Every subtree equal to `old` replaced by `new`."""
    if tree == old:
        return new
    if isinstance(tree, Call):
        return Call(tree.fn, tuple(replace(a, old, new) for a in tree.args))
    if isinstance(tree, Bin):
        return Bin(tree.op, replace(tree.left, old, new), replace(tree.right, old, new))
    if isinstance(tree, Neg):
        return Neg(replace(tree.arg, old, new))
    return tree


# --- text and LaTeX ----------------------------------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4, ">": 0, "<": 0, ">=": 0, "<=": 0}
_ATOM = 9


def _prec(t: Tree) -> int:
    if isinstance(t, Name | Elem):
        return _ATOM
    if isinstance(t, Over):
        return 1
    if isinstance(t, Sum):
        return 1 if len(t.terms) > 1 else _prec(t.terms[0])
    if isinstance(t, Chain):
        return 2 if len(t.factors) > 1 else _prec(t.factors[0])
    if isinstance(t, Bin):
        return _PREC[t.op] if t.op not in _COMPARE else _ATOM  # in its own parentheses
    if isinstance(t, Neg) or (isinstance(t, Num) and t.value < 0):
        return 3
    return _ATOM


def text(t: Tree) -> str:
    """The input language's spelling, `·` between chain-rule factors: `δ_h1·(1 - h1^2)`."""
    return _render(t, _TEXT)


def latex(t: Tree, names: Mapping[str, str] | None = None) -> str:
    r"""LaTeX: `\delta_{h_{1}} \cdot \left(1 - h_{1}^{2}\right)`; a comparison as an
    indicator. `names`: each name's LaTeX in its program (tex.tex_names)."""
    return _render(t, _LATEX if names is None else _latex_style(names))


_STYLES: dict[int, tuple[Mapping[str, str], _Style]] = {}  # the last program's style


def _latex_style(names: Mapping[str, str]) -> _Style:
    got = _STYLES.get(id(names))
    if got is None or got[0] is not names:
        def name(n: Name) -> str:  # _latex_name in one call: it is called for every name
            if n.adjoint:
                return rf"\delta_{{{names.get(n.text[2:]) or tex_name(n.text[2:])}}}"
            return names.get(n.text) or tex_name(n.text)

        _STYLES.clear()
        got = _STYLES[id(names)] = (names, _LATEX._replace(name=name))
    return got[1]


class _Style(NamedTuple):
    name: Callable[[Name], str]
    number: Callable[[float], str]
    call: Callable[[str, list[str]], str]
    binary: Callable[[str, str, str], str]
    chain: str
    paren: Callable[[str], str]
    neg: str
    elem: Callable[[Elem], str] = lambda e: elem_text(e)
    over: Callable[[tuple[str, ...]], str] = lambda vs: f"Σ_{','.join(vs)} "


def _wrap(child: Tree, least: int, s: _Style) -> str:
    if type(child) is Name:  # the most common operand: no precedence to look up
        return s.name(child)
    out = _render(child, s)
    return s.paren(out) if _prec(child) < least else out


def _render(t: Tree, s: _Style) -> str:
    """t in style s (formulas are a few levels deep: their operands are names, or short
    expressions written out; a chain rule's product is flat)."""
    if isinstance(t, Name):
        return s.name(t)
    if isinstance(t, Num):
        return s.number(t.value)
    if isinstance(t, Elem):
        return s.elem(t)
    if isinstance(t, Over):
        return s.over(t.vars) + _render(t.body, s)
    if isinstance(t, Chain):
        return s.chain.join([_wrap(f, 2, s) for f in t.factors])
    if isinstance(t, Call):
        return s.call(t.fn, [_render(a, s) for a in t.args])
    if isinstance(t, Neg):  # -2*(out - y), -δ_c·x: only a sum needs parentheses
        return s.neg + _wrap(t.arg, 2, s)
    if isinstance(t, Sum):
        parts = [_render(t.terms[0], s)]
        for term in t.terms[1:]:
            if isinstance(term, Neg):
                parts.append(" - " + _wrap(term.arg, 2, s))
            else:
                parts.append(" + " + _render(term, s))
        return "".join(parts)
    if isinstance(t, Slot):
        return f"§{t.k}"
    if t.op in _COMPARE:
        return s.binary(t.op, _render(t.left, s), _render(t.right, s))
    p = _PREC[t.op]
    if t.op == "^":  # right-associative: the base needs more
        return s.binary("^", _wrap(t.left, p + 1, s), _wrap(t.right, p, s))
    right = p + 1 if t.op in ("-", "/") else p
    return s.binary(t.op, _wrap(t.left, p, s), _wrap(t.right, right, s))


def elem_text(e: Elem) -> str:
    """`W1[j,i]`, `δ_h1[j]`, `score`."""
    core = f"{e.name}[{','.join(e.at)}]" if e.at else e.name
    return "δ_" + core if e.adjoint else core


def _text_binary(op: str, a: str, b: str) -> str:
    if op in _COMPARE:
        return f"({a} {op} {b})"
    return f"{a}{op}{b}" if op in ("*", "/", "^") else f"{a} {op} {b}"


_TEXT = _Style(lambda n: n.text, functools.lru_cache(maxsize=1024)(number_text),
               lambda f, a: f"{f}({', '.join(a)})", _text_binary, "·", lambda x: f"({x})", "-")

_LATEX_FN = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "max", "min"}


def _latex_name(n: Name, names: Mapping[str, str] | None) -> str:
    r"""w11 as w_{11}, out as \mathit{out}, x.1 (an earlier version of x) as x^{(1)}, δ_h1
    as \delta_{h_{1}}: tex.py, in the program's spelling `names` where given."""
    core = tex_name(n.text[2:] if n.adjoint else n.text, names)
    return rf"\delta_{{{core}}}" if n.adjoint else core


def _latex_call(fn: str, args: list[str]) -> str:
    if fn == "sqrt":
        return rf"\sqrt{{{args[0]}}}"
    if fn == "abs":
        return rf"\left|{args[0]}\right|"
    head = rf"\{fn}" if fn in _LATEX_FN else rf"\operatorname{{{fn}}}"
    return head + r"\left(" + ", ".join(args) + r"\right)"


def _latex_binary(op: str, a: str, b: str) -> str:
    if op in _COMPARE:
        sign = {">=": r"\geq", "<=": r"\leq"}.get(op, op)
        return rf"\mathbb{{1}}\left[{a} {sign} {b}\right]"
    if op == "/":
        return rf"\frac{{{_unwrap(a)}}}{{{_unwrap(b)}}}"
    if op == "^":
        return f"{a}^{{{_unwrap(b)}}}"
    return {"*": f"{a} {b}", "+": f"{a} + {b}", "-": f"{a} - {b}"}[op]


def _unwrap(x: str) -> str:
    """A fraction or an exponent needs no parentheses of its own."""
    if x.startswith(r"\left(") and x.endswith(r"\right)") and x.count(r"\left(") == 1:
        return x[6:-7]
    return x


def _latex_number(x: float) -> str:
    s = number_text(x).strip("()")
    if "e" in s:
        m, e = s.split("e")
        s = rf"{m} \times 10^{{{int(e)}}}"
    return s


_LATEX = _Style(lambda n: _latex_name(n, None), _latex_number, _latex_call, _latex_binary,
                r" \cdot ", lambda x: rf"\left({x}\right)", "-")
