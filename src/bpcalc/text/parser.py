"""Tokens -> program: a list of statements, each with its expression in postfix order.

The expression parser is operator precedence with explicit stacks (shunting-yard),
so nesting depth is limited by memory only, never by Python's recursion limit.
Precedence, loosest first: `+ -`, `* /`, unary `- +`, `**`/`^` (right-associative),
as in Python: `-x**2` is `-(x**2)` and `2**-x` is `2**(-x)`.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import ParseError
from ..ops import CONSTANTS, FUNCTIONS
from .lexer import Token, tokenize


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


Instr = Num | Name | Apply


class Statement(NamedTuple):
    target: str | None  # None for a bare expression
    update: str | None  # "add" "sub" "mul" "div" for `+= -= *= /=`, else None
    code: tuple[Instr, ...]  # the right-hand side in postfix order
    pos: int


class Program(NamedTuple):
    source: str
    statements: tuple[Statement, ...]


_BINARY = {"+": ("add", 1), "-": ("sub", 1), "*": ("mul", 2), "/": ("div", 2),
           "**": ("pow", 4), "^": ("pow", 4)}
_UNARY_PREC = 3
_ASSIGN = {"=": None, "+=": "add", "-=": "sub", "*=": "mul", "/=": "div"}
RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS)


def parse(source: str) -> Program:
    """Parse a program (or a single expression) into statements."""
    tokens = tokenize(source)
    statements: list[Statement] = []
    start = 0
    for i, tok in enumerate(tokens):
        if tok.kind in ("SEP", "END"):
            if i > start:
                if statements and statements[-1].target is None:
                    prev = statements[-1]
                    raise ParseError("only the last statement can be a bare expression",
                                     source, prev.pos, hint="give it a name: y = ...")
                statements.append(_statement(source, tokens, start, i))
            start = i + 1
    if not statements:
        raise ParseError("empty expression", source, len(source))
    return Program(source, tuple(statements))


def _statement(source: str, tokens: list[Token], start: int, stop: int) -> Statement:
    first = tokens[start]
    if stop - start >= 2 and tokens[start + 1].text in _ASSIGN and tokens[start + 1].kind == "OP":
        if first.kind != "NAME":
            raise ParseError("the left side of an assignment must be a name",
                             source, first.pos)
        if first.text in RESERVED:
            what = "a constant" if first.text in CONSTANTS else "a function"
            raise ParseError(f"cannot assign to {first.text!r}: it is {what}", source, first.pos)
        op_tok = tokens[start + 1]
        if stop == start + 2:
            raise ParseError(f"expected an expression after {op_tok.text!r}",
                             source, tokens[stop].pos)
        code = _expression(source, tokens, start + 2, stop)
        return Statement(first.text, _ASSIGN[op_tok.text], code, first.pos)
    return Statement(None, None, _expression(source, tokens, start, stop), first.pos)


ALIASES = {"ln": "log", "arctan": "atan", "arcsin": "asin", "arccos": "acos",
           "tg": "tan", "logistic": "sigmoid", "power": "pow", "sgn": "abs"}
ALIAS_NOTES = {"ln": "log is the natural logarithm; log2 and log10 are the others",
               "arctan": "atan", "arcsin": "asin", "arccos": "acos",
               "tg": "tan", "logistic": "sigmoid(x) = 1/(1 + exp(-x))",
               "power": "pow(x, y) is x^y", "sgn": "there is no sign function; abs(x)/x is "
                                                   "one away from 0"}
ALIAS_NOTES.update({k: f"bpcalc writes {k} as {v}" for k, v in ALIASES.items()
                    if ALIAS_NOTES.get(k) == v})


def _unknown_function(source: str, tok: Token) -> ParseError:
    import difflib  # only on this error path: keeps start-up lean

    alias = ALIASES.get(tok.text) or (tok.text.lower() if tok.text.lower() in FUNCTIONS
                                      else None)
    close = difflib.get_close_matches(tok.text, list(FUNCTIONS), n=3, cutoff=0.6)
    if alias:
        hint = f"did you mean {alias}? ({ALIAS_NOTES.get(tok.text, 'names are lower case')})"
    elif close:
        hint = "did you mean " + " or ".join(close) + "?"
    else:
        hint = f"known functions: {', '.join(FUNCTIONS)}; for a product write {tok.text}*(...)"
    return ParseError(f"unknown function {tok.text!r}", source, tok.pos, hint=hint)


def _expression(source: str, tokens: list[Token], start: int, stop: int) -> tuple[Instr, ...]:
    out: list[Instr] = []
    # Operator stack entries: [kind, name, prec, pos, argc]; kind is "bin", "un", "(" or "call".
    stack: list[list] = []
    expect_operand = True
    i = start
    while i < stop:
        tok = tokens[i]
        kind, text = tok.kind, tok.text
        if expect_operand:
            i, expect_operand = _operand(source, tokens, i, stop, stack, out)
        elif text in _BINARY and kind == "OP":
            name, prec = _BINARY[text]
            right = prec == 4
            while stack and stack[-1][0] in ("bin", "un") and (
                stack[-1][2] > prec or (stack[-1][2] == prec and not right)
            ):
                top = stack.pop()
                out.append(Apply(top[1], top[3]))
            stack.append(["bin", name, prec, tok.pos, 0])
            expect_operand = True
        elif text == ")" and kind == "OP":
            _pop_operators(stack, out)
            if not stack:
                raise ParseError("unmatched ')'", source, tok.pos)
            top = stack.pop()
            if top[0] == "call":
                _close_call(source, top, tok, out)
            expect_operand = False
        elif text == "," and kind == "OP":
            _pop_operators(stack, out)
            if not stack or stack[-1][0] != "call":
                raise ParseError("',' outside a function call", source, tok.pos)
            stack[-1][4] += 1
            expect_operand = True
        elif kind in ("NAME", "NUM") or text == "(":
            prev = tokens[i - 1].text
            raise ParseError("expected an operator (there is no implicit multiplication)",
                             source, tok.pos, hint=f"did you mean {prev}*{text}?")
        elif text in _ASSIGN:
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
    return tuple(out)


def _operand(source: str, tokens: list[Token], i: int, stop: int, stack: list[list],
             out: list[Instr]) -> tuple[int, bool]:
    """Where an operand is expected: read a number, a name, a call's name and its '(', or a
    prefix ('(' or unary - and +). Returns the token index reached and whether an operand is
    still expected."""
    tok = tokens[i]
    kind, text = tok.kind, tok.text
    if kind == "NUM":
        value = float(text)
        if value == float("inf"):
            raise ParseError("number too large for a double", source, tok.pos)
        out.append(Num(value, tok.pos))
        return i, False
    elif kind == "NAME":
        followed_by_paren = tokens[i + 1].text == "(" and tokens[i + 1].kind == "OP"
        if followed_by_paren:
            if text not in FUNCTIONS:
                raise _unknown_function(source, tok)
            if i + 2 < stop and tokens[i + 2].text == ")":
                n = FUNCTIONS[text]
                raise ParseError(f"{text} takes {n} argument{'s' * (n > 1)}, got none",
                                 source, tokens[i + 2].pos)
            stack.append(["call", text, 0, tok.pos, 1, tokens[i + 1].pos])  # [5]: its '('
            i += 1  # the call's own '('
        elif text in FUNCTIONS:
            raise ParseError(f"{text!r} is a function: call it as {text}(...)",
                             source, tok.pos)
        elif text in CONSTANTS:
            out.append(Num(CONSTANTS[text], tok.pos))
            return i, False
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


def _pop_operators(stack: list[list], out: list[Instr]) -> None:
    while stack and stack[-1][0] in ("bin", "un"):
        top = stack.pop()
        out.append(Apply(top[1], top[3]))


def _close_call(source: str, call: list, tok: Token, out: list[Instr]) -> None:
    name, argc = call[1], call[4]
    arity = FUNCTIONS[name]
    if argc != arity:
        raise ParseError(f"{name} takes {arity} argument{'s' * (arity > 1)}, got {argc}",
                         source, tok.pos)
    out.append(Apply(name, call[3]))
