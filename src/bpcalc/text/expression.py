"""Tokens -> postfix code for one right-hand side.

Operator precedence with explicit stacks (shunting-yard), so nesting depth is limited by
memory only, never by Python's recursion limit. Precedence, loosest first: comparisons
`< > <= >=` (0 or 1, not chained), `+ -`, `* /`, unary `- +`, `**`/`^` (right-associative),
as in Python: `-x**2` is `-(x**2)` and `2**-x` is `2**(-x)`.

A reduction `sum(body for i)` is read as its body is met: a placeholder goes into the
code where it starts, and at `for` the body's code is already written; the loop's variables
are bound in it then (an index reads as its number, an element variable as its operand) and
the placeholder becomes the Reduce that starts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ParseError
from ..ops import CONSTANTS, FUNCTIONS
from . import indices
from .lexer import Token
from .program import Apply, Call, Elem, EndReduce, Instr, Local, Loop, Name, Num, Reduce
from .words import KEYWORDS, REDUCERS

_BINARY = {"+": ("add", 1), "-": ("sub", 1), "*": ("mul", 2), "/": ("div", 2),
           "**": ("pow", 4), "^": ("pow", 4),
           "<": ("lt", 0), ">": ("gt", 0), "<=": ("le", 0), ">=": ("ge", 0)}
_COMPARE = frozenset({"lt", "gt", "le", "ge"})
_UNARY_PREC = 3
ASSIGN = {"=": None, "+=": "add", "-=": "sub", "*=": "mul", "/=": "div"}

ELEMENT_VAR = "\0p"  # the element variable of sum(W1, W2): no program can name it


class Scope:
    """What an expression may refer to besides the program's names, and what reading it
    taught: the functions defined so far, the parameters of the one being defined, the
    index variables of the left side, and the families, indices and loop variables met."""

    def __init__(self, source: str, tokens: Sequence[Token]) -> None:
        self.source, self.tokens = source, tokens
        self.functions: dict[str, int] = {}  # defined so far: name -> number of parameters
        self.later: dict[str, int] = {}  # defined further on: name -> position
        self.defining = ""  # the function being defined
        self.params: frozenset[str] = frozenset()
        self.outer: frozenset[str] = frozenset()  # index variables of the left side
        self.families: dict[str, int] = {}  # every name indexed -> where first
        self.nonscalar = False  # anything but numbers, names and the op table


def expression(scope: Scope, start: int, stop: int) -> tuple[list[Instr | None], int]:
    """The code of tokens[start:stop] up to a `for` outside any call (a statement's own):
    (the code, with None where a placeholder went unused; the index where it ended)."""
    source, tokens = scope.source, scope.tokens
    out: list[Instr | None] = []
    # Operator stack entries: [kind, name, prec, pos, argc, paren pos, placeholder, call kind]
    # kind "bin", "un", "(" or "call"; a call's kind "op" (the op table), "reduce" or "user".
    stack: list[list[Any]] = []
    expect_operand = True
    i = start
    while i < stop:
        tok = tokens[i]
        kind, text = tok.kind, tok.text
        if expect_operand:
            i, expect_operand = _operand(scope, i, stop, stack, out)
        elif text in _BINARY and kind == "OP":
            name, prec = _BINARY[text]
            right = prec == 4
            while stack and stack[-1][0] in ("bin", "un") and (
                stack[-1][2] > prec or (stack[-1][2] == prec and not right)
            ):
                top = stack.pop()
                if top[1] in _COMPARE and name in _COMPARE:
                    raise ParseError("comparisons do not chain: write (a < b)*(b < c)",
                                     source, tok.pos)
                out.append(Apply(top[1], top[3]))
            stack.append(["bin", name, prec, tok.pos, 0])
            expect_operand = True
        elif text == ")" and kind == "OP":
            _pop_operators(stack, out)
            if not stack:
                raise ParseError("unmatched ')'", source, tok.pos)
            top = stack.pop()
            if top[0] == "call":
                _close_call(scope, top, tok, out)
            expect_operand = False
        elif text == "," and kind == "OP":
            _pop_operators(stack, out)
            if not stack or stack[-1][0] != "call":
                if _assigns(tokens, i + 1):
                    raise _point_inside(scope, i + 1)
                raise ParseError("',' outside a function call", source, tok.pos)
            stack[-1][4] += 1
            expect_operand = True
        elif text == "for" and kind == "NAME":
            _pop_operators(stack, out)
            if not stack:
                return out, i  # the statement's own for
            i = _reduction(scope, stack, out, i)
        elif kind in ("NAME", "NUM") or text in ("(", "["):
            if _assigns(tokens, i):
                raise _point_inside(scope, i)
            prev = tokens[i - 1].text
            raise ParseError("expected an operator (there is no implicit multiplication)",
                             source, tok.pos, hint=f"did you mean {prev}*{text}?")
        elif text in ASSIGN:
            raise ParseError(f"unexpected {text!r}: assign to a name at the start of a statement",
                             source, tok.pos)
        else:
            raise ParseError(f"unexpected {text!r}", source, tok.pos)
        i += 1
    if expect_operand:
        raise ParseError("unexpected end of expression", source, tokens[stop].pos)
    _pop_operators(stack, out)
    if stack:
        top = stack[-1]  # the caret goes under the '(' itself, a call's too
        raise ParseError("'(' is never closed", source, top[5] if len(top) > 5 else top[3])
    return out, stop


def _assigns(tokens: Sequence[Token], i: int) -> bool:
    """Whether tokens i and i+1 are `NAME =`: a NAME=VALUE where an operator should be."""
    return tokens[i].kind == "NAME" and tokens[i + 1].text == "=" and tokens[i + 1].kind == "OP"


def _point_inside(scope: Scope, i: int) -> ParseError:
    from .hints import point_inside  # only on this error path

    message, hint, retry = point_inside(scope.source, scope.tokens, i)
    return ParseError(message, scope.source, scope.tokens[i].pos, hint=hint, retry=retry)


def _operand(scope: Scope, i: int, stop: int, stack: list[list[Any]],
             out: list[Instr | None]) -> tuple[int, bool]:
    """Where an operand is expected: read a number, a name, an element, a call's name and its
    '(', or a prefix ('(' or unary - and +). Returns the token index reached and whether an
    operand is still expected."""
    source, tokens = scope.source, scope.tokens
    tok = tokens[i]
    kind, text = tok.kind, tok.text
    if kind == "NUM":
        value = float(text)
        if value == float("inf"):
            raise ParseError("number too large for a double", source, tok.pos)
        out.append(Num(value, tok.pos))
        return i, False
    elif kind == "NAME":
        after = tokens[i + 1]
        if text in KEYWORDS:
            raise ParseError(f"unexpected {text!r}: for goes inside sum(... for i), or after "
                             "a statement whose left side has an index", source, tok.pos)
        if after.text == "(" and after.kind == "OP":
            _open_call(scope, i, stack, out)
            return i + 1, True  # past the call's own '('
        if after.text == "[" and after.kind == "OP":
            return _element(scope, i, out), False
        if text in FUNCTIONS or text in scope.functions or text in REDUCERS:
            raise ParseError(f"{text!r} is a function: call it as {text}(...)",
                             source, tok.pos)
        if text in CONSTANTS:
            out.append(Num(CONSTANTS[text], tok.pos))
        else:
            out.append(Name(text, tok.pos))
        return i, False
    elif text == "(":
        stack.append(["(", "", 0, tok.pos, 0])
    elif text == "-":
        stack.append(["un", "neg", _UNARY_PREC, tok.pos, 0])
    elif text == "+":
        pass  # unary plus changes nothing
    elif text == ")" and tokens[i - 1].text == "(":
        raise ParseError("empty parentheses", source, tok.pos)
    else:
        raise ParseError(f"expected a number, a name or '(' but found {text!r}",
                         source, tok.pos)
    return i, True


def _element(scope: Scope, i: int, out: list[Instr | None]) -> int:
    """`NAME[...]` at token i: an Elem; the index of its ']'."""
    source, tokens = scope.source, scope.tokens
    tok = tokens[i]
    if tok.text in FUNCTIONS or tok.text in REDUCERS or tok.text in scope.functions \
            or tok.text in CONSTANTS:
        raise ParseError(f"{tok.text!r} is a {'constant' if tok.text in CONSTANTS else 'function'}"
                         ": it has no elements", source, tok.pos)
    codes, j = indices.element(source, tokens, i + 1)
    for code in codes:
        clash = [n for n in indices.names_in(code) if n in scope.params]
        if clash:
            raise ParseError(f"{clash[0]} is a value (a parameter), not an index", source,
                             tokens[i + 2].pos)
    scope.families.setdefault(tok.text, tok.pos)
    scope.nonscalar = True
    out.append(Elem(tok.text, codes, tok.pos))
    return j


def _open_call(scope: Scope, i: int, stack: list[list[Any]], out: list[Instr | None]) -> None:
    source, tokens = scope.source, scope.tokens
    tok, paren = tokens[i], tokens[i + 1]
    name = tok.text
    if name in REDUCERS:
        kind, arity = "reduce", 0
    elif name in scope.functions:
        kind, arity = "user", scope.functions[name]
    elif name in FUNCTIONS:
        kind, arity = "op", FUNCTIONS[name]
    else:
        raise _unknown(scope, tok)
    if i + 2 < len(tokens) and tokens[i + 2].text == ")":
        if kind == "reduce":
            raise ParseError(f"{name}() needs something to {_VERB[name]}: {name}(x[i] for i)",
                             source, tokens[i + 2].pos)
        raise ParseError(f"{name} takes {arity} argument{'s' * (arity > 1)}, got none",
                         source, tokens[i + 2].pos)
    placeholder = len(out)
    if kind == "reduce":
        out.append(None)  # Reduce goes here if a `for` comes
    stack.append(["call", name, 0, tok.pos, 1, paren.pos, placeholder, kind])


_VERB = {"sum": "add up", "prod": "multiply", "mean": "average", "max": "compare",
         "min": "compare"}


def _unknown(scope: Scope, tok: Token) -> ParseError:
    name = tok.text
    if name == scope.defining:
        return ParseError(f"{name} calls itself: a function cannot be recursive (bpcalc "
                          "inlines every call)", scope.source, tok.pos)
    if name in scope.later:
        return ParseError(f"{name} is defined further on: define a function before its "
                          "first use", scope.source, tok.pos)
    from .parser import unknown_function

    return unknown_function(scope.source, tok)


def _close_call(scope: Scope, call: list[Any], tok: Token, out: list[Instr | None]) -> None:
    """A call's ')': an op-table function, a user function, or a reducer without `for`
    (max(a, b) of two values, or sum(W1, W2) over every element of families)."""
    source = scope.source
    _, name, _, pos, argc, _, placeholder, kind = call
    if kind == "reduce":
        args = out[placeholder + 1:]
        if name in ("max", "min") and argc == 2:
            out.append(Apply(name, pos))
            return
        if len(args) == argc and all(type(a) is Name for a in args):
            over = tuple(a.name for a in args if type(a) is Name)
            for family in over:
                scope.families.setdefault(family, pos)
            del out[placeholder:]
            scope.nonscalar = True
            out += [Reduce(name, (Loop(ELEMENT_VAR, None, (), over, pos),), pos),
                    Local(ELEMENT_VAR, pos), EndReduce(pos)]
            return
        from .hints import indexed  # only on this error path

        hint = indexed(name, source[call[5] + 1:tok.pos], name in ("max", "min"))
        raise ParseError(f"{name} needs a for: the index it runs over",
                         source, tok.pos, hint=hint)
    arity = FUNCTIONS[name] if kind == "op" else scope.functions[name]
    if argc != arity:
        raise ParseError(f"{name} takes {arity} argument{'s' * (arity > 1)}, got {argc}",
                         source, tok.pos)
    if kind == "op":
        out.append(Apply(name, pos))
    else:
        scope.nonscalar = True
        out.append(Call(name, argc, pos))


def _reduction(scope: Scope, stack: list[list[Any]], out: list[Instr | None], i: int) -> int:
    """`for` at token i inside a call: read its loops up to the call's ')', bind them in the
    body, and put the Reduce where the call began. Returns the index of that ')'."""
    source, tokens = scope.source, scope.tokens
    top = stack[-1]
    if top[0] != "call" or top[7] != "reduce" or top[4] != 1:
        where = f"inside {top[1]}(...)" if top[0] == "call" else "inside parentheses"
        raise ParseError(f"'for' {where}: a for goes in sum(... for i), prod, mean, max or "
                         "min, with one expression before it", source, tokens[i].pos)
    loops, j = indices.loop_spec(source, tokens, i + 1, frozenset({")"}))
    if tokens[j].text != ")":
        raise ParseError("'(' is never closed", source, top[5])
    name, pos, placeholder = top[1], top[3], top[6]
    kinds: dict[str, str] = {}
    for lp in loops:
        if lp.var in scope.outer or lp.var in scope.params:
            what = "an index of the left side" if lp.var in scope.outer else "a parameter"
            raise ParseError(f"{lp.var} is already {what}: give this for another name",
                             source, lp.pos)
        kinds[lp.var] = "local" if lp.over else "index"
        for family in lp.over:
            scope.families.setdefault(family, lp.pos)
    indices.bind(out, placeholder + 1, kinds)
    body = [ins for ins in out[placeholder + 1:] if ins is not None]
    bound = indices.with_inferred(loops, body)
    for lp in bound:
        if lp.range is None and not lp.over and not lp.infer:
            raise ParseError(f"the range of {lp.var} cannot be inferred: it is no family's "
                             f"whole index here; write for {lp.var} in 1..n", source, lp.pos)
    out[placeholder] = Reduce(name, bound, pos)
    out.append(EndReduce(pos))
    scope.nonscalar = True
    stack.pop()
    return j


def _pop_operators(stack: list[list[Any]], out: list[Instr | None]) -> None:
    while stack and stack[-1][0] in ("bin", "un"):
        top = stack.pop()
        out.append(Apply(top[1], top[3]))
