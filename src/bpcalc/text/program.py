"""What the parser hands the builder: a program as plain data.

A program is a list of statements; each statement's right-hand side is postfix code, a flat
tuple of instructions that `graphs/builder.run` (scalar programs) or `graphs/families.run`
(programs with families, sums or functions) interprets with one explicit stack:

    Num, Name, Apply             numbers, names and operations of the op table
    Elem                         a family's element, `W1[j,i]`: its index codes
    IndexVar, Local              an index (or a size such as `n`) read as a number; a
                                 function's parameter or a `for p in W` element
    Reduce ... EndReduce         `sum(... for i)`: the body between them runs once an index
    Call                         a function the program defines, on the last argc results

An index code is postfix integer arithmetic: a tuple of ints, names (index variables and
sizes) and the operators "+", "-", "*" and "neg": `t-1` is ("t", 1, "-").
"""

from __future__ import annotations

from typing import NamedTuple

IndexCode = tuple  # postfix over int | str (a name) | "+" "-" "*" "neg"
INDEX_OPS = frozenset({"+", "-", "*", "neg"})


class Num(NamedTuple):
    """A number in the postfix code (constants such as pi are numbers already)."""

    value: float
    pos: int


class Name(NamedTuple):
    """A name read: an input, or a name assigned before."""

    name: str
    pos: int


class Apply(NamedTuple):
    """An operation of the op table on the last `arity` results."""

    op: str
    pos: int


class Elem(NamedTuple):
    """An element of a family read: `W1[j,i]` is Elem("W1", (("j",), ("i",)), pos)."""

    name: str
    indices: tuple[IndexCode, ...]
    pos: int


class IndexVar(NamedTuple):
    """An index variable or a size (`i`, `n`) read as a number."""

    name: str
    pos: int


class Local(NamedTuple):
    """A function's parameter, or the element variable of `for p in W1, W2`."""

    name: str
    pos: int


class Range(NamedTuple):
    """`lo..hi`, both ends included."""

    lo: IndexCode
    hi: IndexCode


class Loop(NamedTuple):
    """One variable of a `for`: an index over `range` (None: inferred from the shapes of the
    families it indexes, `infer` = ((family, dimension), ...)), or, with `over`, an element
    variable that takes every element of those families in turn."""

    var: str
    range: Range | None
    infer: tuple[tuple[str, int], ...]
    over: tuple[str, ...]
    pos: int


class Reduce(NamedTuple):
    """The start of `op(body for loops)`: op is sum, prod, mean, max or min."""

    op: str
    loops: tuple[Loop, ...]
    pos: int


class EndReduce(NamedTuple):
    """The end of a reduction's body: its result joins the running total."""

    pos: int


class Call(NamedTuple):
    """A function the program defines, called on the last `argc` results."""

    name: str
    argc: int
    pos: int


Instr = Num | Name | Apply | Elem | IndexVar | Local | Reduce | EndReduce | Call


class Statement(NamedTuple):
    target: str | None  # None for a bare expression
    update: str | None  # "add" "sub" "mul" "div" for `+= -= *= /=`, else None
    code: tuple[Instr, ...]  # the right-hand side in postfix order
    pos: int
    # A family element as target (`h1[j] = ...`): its index codes, and a loop for each
    # index variable of the left side (its range given by a `for`, or inferred)
    indices: tuple[IndexCode, ...] | None = None
    loops: tuple[Loop, ...] = ()
    # A function's definition, `neuron(a, b) = tanh(a + b)`: target is its name, code its
    # body (its parameters read as Local); it computes nothing until called
    params: tuple[str, ...] = ()


class Program(NamedTuple):
    source: str
    statements: tuple[Statement, ...]
    # Names a family program reads as integers (range ends, indices such as `h[n]`): given
    # as NAME=VALUE or assigned a whole constant by the program. Empty, and `plain` True,
    # for a program of scalars alone, which builder.run reads.
    sizes: tuple[str, ...] = ()
    families: tuple[str, ...] = ()  # every name indexed, in the order first met
    plain: bool = True
