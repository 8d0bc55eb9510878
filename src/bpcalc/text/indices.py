"""The integer side of the language: indices (`W1[j,i]`, `h[t-1]`), ranges (`2..T`) and the
`for` of a reduction or a statement (`for i`, `for t in 2..T`, `for p in W1, W2`).

An index or range end is integer arithmetic on whole numbers, index variables and sizes
(`n`, given as NAME=VALUE): `+ - *`, unary minus and parentheses, read by the same
explicit-stack method as the parser's expressions and written as postfix (program.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ParseError
from .lexer import Token
from .program import Elem, IndexCode, IndexVar, Instr, Local, Loop, Name, Range

_INDEX_BINARY = {"+": 1, "-": 1, "*": 2}


def index_code(source: str, tokens: Sequence[Token], i: int,
               stops: frozenset[str]) -> tuple[IndexCode, int]:
    """The integer expression from token i up to a token in `stops` outside parentheses:
    its postfix code and the index of that token."""
    out: list[object] = []
    stack: list[tuple[str, int, int]] = []  # (operator or "(", precedence, pos)
    operand = True
    depth = 0  # parentheses open
    start_pos = tokens[i].pos
    while True:
        tok = tokens[i]
        kind, text = tok.kind, tok.text
        if depth == 0 and (text in stops and kind in ("OP", "NAME") or kind in ("SEP", "END")):
            break
        if operand:
            if kind == "NUM":
                if not text.isdigit():
                    raise ParseError(f"an index is a whole number, not {text}", source, tok.pos)
                out.append(int(text))
                operand = False
            elif kind == "NAME":
                if i + 1 < len(tokens) and tokens[i + 1].text in ("(", "["):
                    raise ParseError("an index is whole-number arithmetic on indices and "
                                     "sizes: no calls or elements inside it", source, tok.pos)
                out.append(text)
                operand = False
            elif text == "-":
                stack.append(("neg", 3, tok.pos))
            elif text == "+":
                pass
            elif text == "(":
                stack.append(("(", 0, tok.pos))
                depth += 1
            else:
                raise ParseError(f"expected an index (a whole number, an index variable or "
                                 f"a size) but found {text!r}" if text else
                                 "expected an index", source, tok.pos)
        elif kind == "OP" and text in _INDEX_BINARY:
            prec = _INDEX_BINARY[text]
            while stack and stack[-1][0] != "(" and stack[-1][1] >= prec:
                out.append(stack.pop()[0])
            stack.append((text, prec, tok.pos))
            operand = True
        elif text == ")":
            while stack and stack[-1][0] != "(":
                out.append(stack.pop()[0])
            if not stack:
                raise ParseError("unmatched ')'", source, tok.pos)
            stack.pop()
            depth -= 1
        elif text in ("/", "^", "**"):
            raise ParseError(f"an index takes + - and * only, not {text!r}", source, tok.pos)
        else:
            raise ParseError(f"unexpected {text!r} in an index" if text else
                             "unexpected end in an index", source, tok.pos)
        i += 1
    if operand:
        raise ParseError("expected an index" if not out else "unexpected end of the index",
                         source, tokens[i].pos if out else start_pos)
    while stack:
        top = stack.pop()
        if top[0] == "(":
            raise ParseError("'(' is never closed", source, top[2])
        out.append(top[0])
    return tuple(out), i


def element(source: str, tokens: Sequence[Token], i: int) -> tuple[tuple[IndexCode, ...], int]:
    """The indices of `NAME[...]`, token i being its '[': (their codes, index of its ']')."""
    codes: list[IndexCode] = []
    j = i + 1
    if tokens[j].text == "]":
        raise ParseError("empty brackets: give an index, such as x[i] or x[1]", source,
                         tokens[j].pos)
    while True:
        code, j = index_code(source, tokens, j, frozenset({",", "]"}))
        codes.append(code)
        tok = tokens[j]
        if tok.text == "]":
            return tuple(codes), j
        if tok.text != ",":
            raise ParseError("'[' is never closed", source, tokens[i].pos)
        j += 1


def names_in(code: IndexCode) -> list[str]:
    return [c for c in code if type(c) is str and c not in ("+", "-", "*", "neg")]


def loop_spec(source: str, tokens: Sequence[Token], i: int,
              stops: frozenset[str]) -> tuple[list[Loop], int]:
    """What follows `for` (token i is the first after it) up to a token in `stops`:
    `i`, `i, j`, `i in 1..n`, `t in 2..T, k`, or `p in W1, W2`. (the loops, the index of the
    stop token)."""
    loops: list[Loop] = []
    while True:
        tok = tokens[i]
        if tok.kind != "NAME" or tok.text in ("for", "in"):
            raise ParseError("expected a name after 'for' (for i, for i in 1..n)"
                             if not loops else "expected a name (for i, j)", source, tok.pos)
        var, pos = tok.text, tok.pos
        i += 1
        if tokens[i].text == "in" and tokens[i].kind == "NAME":
            i += 1
            if _is_range(tokens, i, stops):
                lo, i = index_code(source, tokens, i, frozenset({".."}))
                if tokens[i].text != "..":
                    raise ParseError("expected '..' in the range (for i in 1..n)", source,
                                     tokens[i].pos)
                hi, i = index_code(source, tokens, i + 1, stops | {","})
                loops.append(Loop(var, Range(lo, hi), (), (), pos))
            else:
                over, i = _families(source, tokens, i, stops)
                if loops or tokens[i].text not in stops:
                    raise ParseError("an element variable (for p in W1, W2) is the only "
                                     "variable of its for", source, pos)
                loops.append(Loop(var, None, (), tuple(over), pos))
                return loops, i
        else:
            loops.append(Loop(var, None, (), (), pos))
        tok = tokens[i]
        if tok.text in stops and tok.kind in ("OP", "NAME") or tok.kind in ("SEP", "END"):
            seen = [lp.var for lp in loops]
            twice = [v for k, v in enumerate(seen) if v in seen[:k]]
            if twice:
                raise ParseError(f"{twice[0]} is named twice in this for", source,
                                 loops[-1].pos)
            return loops, i
        if tok.text != ",":
            raise ParseError(f"unexpected {tok.text!r} in a for: write for i in 1..n, j",
                             source, tok.pos)
        i += 1


def _is_range(tokens: Sequence[Token], i: int, stops: frozenset[str]) -> bool:
    """Whether a range (`a..b`) starts at token i, before the next ',' or stop."""
    depth = 0
    while True:
        tok = tokens[i]
        if tok.kind in ("SEP", "END"):
            return False
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and (tok.text == "," or tok.text in stops):
            return False
        elif tok.text == "..":
            return True
        i += 1


def _families(source: str, tokens: Sequence[Token], i: int,
              stops: frozenset[str]) -> tuple[list[str], int]:
    names: list[str] = []
    while True:
        tok = tokens[i]
        if tok.kind != "NAME":
            raise ParseError("expected a range (for i in 1..n) or families (for p in W1, W2)",
                             source, tok.pos)
        names.append(tok.text)
        i += 1
        if tokens[i].text != ",":
            return names, i
        i += 1


def bind(code: list[Instr | None], start: int, kinds: dict[str, str]) -> None:
    """Names read in code[start:] that are bound there: an index variable ("index") reads
    as its number, an element variable or a parameter ("local") as its operand."""
    for k in range(start, len(code)):
        ins = code[k]
        if type(ins) is Name:
            kind = kinds.get(ins.name)
            if kind == "index":
                code[k] = IndexVar(ins.name, ins.pos)
            elif kind == "local":
                code[k] = Local(ins.name, ins.pos)


def inferred(code: Sequence[Instr], var: str) -> tuple[tuple[str, int], ...]:
    """Where `var` is a whole index of a family in `code`: (family, dimension) pairs, whose
    lengths give its range when no `in a..b` does."""
    found: list[tuple[str, int]] = []
    for ins in code:
        if type(ins) is Elem:
            for d, c in enumerate(ins.indices):
                if c == (var,) and (ins.name, d) not in found:
                    found.append((ins.name, d))
    return tuple(found)


def with_inferred(loops: Sequence[Loop], code: Sequence[Instr]) -> tuple[Loop, ...]:
    return tuple(lp._replace(infer=inferred(code, lp.var)) if lp.range is None and not lp.over
                 else lp for lp in loops)


def locals_in(code: Sequence[Instr]) -> set[str]:
    return {ins.name for ins in code if type(ins) is Local}
