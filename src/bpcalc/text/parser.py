"""Tokens -> program: a list of statements, each with its right-hand side in postfix order
(program.py says what the code holds; expression.py reads one right-hand side).

Statements: `name = expr` (also `+= -= *= /=`), a family's elements `h1[j] = expr`, one
element `h[1] = expr`, elements over a given range `h[t] = expr for t in 2..T`, a function
`sq(u) = u*u`, and last a bare expression. Once every statement is read, the names are
checked across the program (a family is never read as a scalar, a scalar never indexed) and
the sizes found: the names that indices and range ends read, which are whole numbers given
as NAME=VALUE (or assigned by the program), never inputs of the graph.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ParseError
from ..ops import CONSTANTS, FUNCTIONS
from . import indices
from .expression import ASSIGN, KEYWORDS, REDUCERS, Scope, expression
from .lexer import Token, tokenize
from .program import (
    Apply,
    Elem,
    IndexVar,
    Instr,
    Loop,
    Name,
    Num,
    Program,
    Reduce,
    Statement,
)
from .words import RESERVED

__all__ = ["RESERVED", "Apply", "Name", "Num", "Program", "Statement", "parse"]



def parse(source: str) -> Program:
    """Parse a program (or a single expression) into statements."""
    tokens = tokenize(source)
    scope = Scope(source, tokens)
    scope.later = _definitions(tokens)
    statements: list[Statement] = []
    start = 0
    for i, tok in enumerate(tokens):
        if tok.kind in ("SEP", "END"):
            if i > start:
                prev = statements[-1] if statements else None
                if prev is not None and prev.target is None and not prev.params:
                    raise ParseError("only the last statement can be a bare expression",
                                     source, prev.pos, hint="give it a name: y = ...")
                statements.append(_statement(scope, start, i))
            start = i + 1
    if not statements:
        raise ParseError("empty expression", source, len(source))
    if all(st.params for st in statements):
        from .hints import uncalled  # only on this error path

        last = statements[-1]
        raise ParseError("the program defines functions but computes nothing", source,
                         len(source), hint=uncalled(source, tokens, last.pos,
                                                    last.target or "", last.params))
    if not scope.nonscalar:
        return Program(source, tuple(statements))
    return _families(scope, statements)


def _definitions(tokens: Sequence[Token]) -> dict[str, int]:
    """Every `name(...) =` at the start of a statement: name -> its position."""
    found: dict[str, int] = {}
    at_start = True
    for i, tok in enumerate(tokens):
        if at_start and tok.kind == "NAME" and tokens[i + 1].text == "(":
            depth, j = 0, i + 1
            while tokens[j].kind not in ("SEP", "END"):
                depth += tokens[j].text == "("
                depth -= tokens[j].text == ")"
                j += 1
                if depth == 0:
                    if tokens[j].text == "=":
                        found.setdefault(tok.text, tok.pos)
                    break
        at_start = tok.kind == "SEP"
    return found


def _statement(scope: Scope, start: int, stop: int) -> Statement:
    source, tokens = scope.source, scope.tokens
    first = tokens[start]
    scope.outer = scope.params = frozenset()
    following = tokens[start + 1].text if start + 1 < stop else ""
    if first.kind == "NAME" and first.text in scope.later and following == "(":
        close = _closing(tokens, start + 1, stop)
        if close is not None and close + 1 < stop and tokens[close + 1].text == "=":
            return _function(scope, start, close, stop)
    if first.kind == "NAME" and following == "[":
        close = _closing(tokens, start + 1, stop)
        if close is not None and close + 1 < stop and tokens[close + 1].text in ASSIGN \
                and tokens[close + 1].kind == "OP":
            return _element_statement(scope, start, close, stop)
    if stop - start >= 2 and tokens[start + 1].text in ASSIGN and tokens[start + 1].kind == "OP":
        _assignable(scope, first)
        op_tok = tokens[start + 1]
        if stop == start + 2:
            raise ParseError(f"expected an expression after {op_tok.text!r}",
                             source, tokens[stop].pos)
        code = _rhs(scope, start + 2, stop)
        return Statement(first.text, ASSIGN[op_tok.text], code, first.pos)
    return Statement(None, None, _rhs(scope, start, stop), first.pos)


def _closing(tokens: Sequence[Token], i: int, stop: int) -> int | None:
    """The index of the bracket that closes the one at token i, if before `stop`."""
    depth = 0
    for j in range(i, stop):
        text = tokens[j].text
        if text in ("(", "["):
            depth += 1
        elif text in (")", "]"):
            depth -= 1
            if depth == 0:
                return j
    return None


def _assignable(scope: Scope, tok: Token) -> None:
    if tok.kind != "NAME":
        raise ParseError("the left side of an assignment must be a name", scope.source, tok.pos)
    if tok.text in RESERVED or tok.text in scope.functions:
        what = "a constant" if tok.text in CONSTANTS else \
            "a word of the language" if tok.text in KEYWORDS else "a function"
        raise ParseError(f"cannot assign to {tok.text!r}: it is {what}", scope.source, tok.pos)


def _rhs(scope: Scope, start: int, stop: int) -> tuple[Instr, ...]:
    """A right-hand side that may not end in a statement's own `for`."""
    code, end = expression(scope, start, stop)
    if end != stop:
        raise ParseError("a for after a statement gives the range of an index of its left "
                         "side: h[t] = ... for t in 2..T", scope.source, scope.tokens[end].pos)
    return tuple(ins for ins in code if ins is not None)


def _function(scope: Scope, start: int, close: int, stop: int) -> Statement:
    """`name(a, b) = body`: its parameters read as Local in the body."""
    source, tokens = scope.source, scope.tokens
    tok = tokens[start]
    name = tok.text
    if name in RESERVED:
        raise ParseError(f"cannot define {name!r}: it is a built-in "
                         f"{'constant' if name in CONSTANTS else 'function'}", source, tok.pos,
                         hint="give your function another name")
    if name in scope.functions:
        raise ParseError(f"{name} is defined twice", source, tok.pos)
    params: list[str] = []
    j = start + 2
    while j < close:
        p = tokens[j]
        if p.kind != "NAME" or (tokens[j + 1].text not in (",", ")")):
            raise ParseError("a function's parameters are names: f(u, v) = ...", source, p.pos)
        if p.text in RESERVED:
            raise ParseError(f"{p.text!r} cannot be a parameter: it is a built-in name",
                             source, p.pos)
        if p.text in params:
            raise ParseError(f"the parameter {p.text} is named twice", source, p.pos)
        params.append(p.text)
        j += 2
    if not params:
        raise ParseError("a function takes at least one parameter: f(u) = ...", source,
                         tokens[close].pos)
    if close + 2 >= stop:
        raise ParseError("expected the function's body after '='", source, tokens[stop].pos)
    scope.defining, scope.params = name, frozenset(params)
    code, end = expression(scope, close + 2, stop)
    scope.defining = ""
    if end != stop:
        raise ParseError("a function's body has no for of its own; a sum inside it may: "
                         "f(u) = sum(u*x[i] for i)", source, tokens[end].pos)
    indices.bind(code, 0, {p: "local" for p in params})
    scope.functions[name] = len(params)
    scope.nonscalar = True
    body = tuple(ins for ins in code if ins is not None)
    return Statement(name, None, body, tok.pos, params=tuple(params))


def _element_statement(scope: Scope, start: int, close: int, stop: int) -> Statement:
    """`h[j] = expr [for j in a..b]`: the target's indices, and a loop per index variable."""
    source, tokens = scope.source, scope.tokens
    tok = tokens[start]
    _assignable(scope, tok)
    codes, _ = indices.element(source, tokens, start + 1)
    lhs: list[str] = []
    for index in codes:
        used = indices.names_in(index)
        if len(index) == 1 and used:  # a whole index: a variable; else a number or a size
            if used[0] in lhs:
                raise ParseError(f"{used[0]} is twice an index of the left side: each index "
                                 "variable runs on its own", source, tok.pos)
            lhs.append(used[0])
    op_tok = tokens[close + 1]
    if op_tok.text != "=":
        raise ParseError(f"{op_tok.text} on an element: a family's elements are defined once; "
                         f"write {tok.text}2[...] = {tok.text}[...] {op_tok.text[0]} ...",
                         source, op_tok.pos)
    if close + 2 >= stop:
        raise ParseError("expected an expression after '='", source, tokens[stop].pos)
    scope.outer = frozenset(lhs)
    code, end = expression(scope, close + 2, stop)
    given: dict[str, Loop] = {}
    if end != stop:
        loops, j = indices.loop_spec(source, tokens, end + 1, frozenset())
        for lp in loops:
            if lp.var not in lhs or lp.over:
                raise ParseError(f"{lp.var} is not an index of the left side: a statement's "
                                 f"for gives the range of one, such as {tok.text}[t] = ... "
                                 "for t in 2..T", source, lp.pos)
            given[lp.var] = lp
        if j != stop:
            raise ParseError("unexpected text after the for", source, tokens[j].pos)
    indices.bind(code, 0, {v: "index" for v in lhs})
    body = tuple(ins for ins in code if ins is not None)
    loops_ = []
    for v in lhs:
        lp = given.get(v) or Loop(v, None, (), (), tok.pos)
        if lp.range is None:
            lp = lp._replace(infer=indices.inferred(body, v))
            if not lp.infer:
                raise ParseError(f"the range of {v} cannot be inferred: it is no family's whole "
                                 f"index on the right; write {tok.text}[...] = ... for {v} in "
                                 "1..n", source, tok.pos)
        loops_.append(lp)
    scope.families.setdefault(tok.text, tok.pos)
    scope.nonscalar = True
    return Statement(tok.text, None, body, tok.pos, codes, tuple(loops_))


ALIASES = {"ln": "log", "arctan": "atan", "arcsin": "asin", "arccos": "acos",
           "tg": "tan", "logistic": "sigmoid", "power": "pow", "sgn": "abs"}
ALIAS_NOTES = {"ln": "log is the natural logarithm; log2 and log10 are the others",
               "arctan": "atan", "arcsin": "asin", "arccos": "acos",
               "tg": "tan", "logistic": "sigmoid(x) = 1/(1 + exp(-x))",
               "power": "pow(x, y) is x^y", "sgn": "there is no sign function; abs(x)/x is "
                                                   "one away from 0"}
ALIAS_NOTES.update({k: f"bpcalc writes {k} as {v}" for k, v in ALIASES.items()
                    if ALIAS_NOTES.get(k) == v})


def unknown_function(source: str, tok: Token) -> ParseError:
    import difflib  # only on this error path: keeps start-up lean

    alias = ALIASES.get(tok.text) or (tok.text.lower() if tok.text.lower() in FUNCTIONS
                                      else None)
    close = difflib.get_close_matches(tok.text, list(FUNCTIONS), n=3, cutoff=0.6)
    if alias:
        hint = f"did you mean {alias}? ({ALIAS_NOTES.get(tok.text, 'names are lower case')})"
    elif close:
        hint = "did you mean " + " or ".join(close) + "?"
    else:
        hint = (f"known functions: {', '.join([*FUNCTIONS, *REDUCERS])}; define your own first "
                f"({tok.text}(u) = ...), or for a product write {tok.text}*(...)")
    return ParseError(f"unknown function {tok.text!r}", source, tok.pos, hint=hint)




def _families(scope: Scope, statements: list[Statement]) -> Program:
    """Check names across a program with families (see the module) and mark its sizes."""
    source = scope.source
    families = scope.families
    sizes: dict[str, None] = {}
    scalars = {st.target: st.pos for st in statements
               if st.target is not None and st.indices is None and not st.params}
    for name, pos in families.items():
        if name in scalars:
            raise ParseError(f"{name} is a scalar (assigned here) and a family (indexed "
                             f"elsewhere): give one of them another name", source,
                             scalars[name])
        if name in scope.functions:
            raise ParseError(f"{name} is a function: it has no elements", source, pos)
    for st in statements:
        for name in _index_names(st):
            if name in families:
                raise ParseError(f"{name} is a family, not a whole number: an index cannot "
                                 "read an element", source, st.pos)
            sizes.setdefault(name)
    for st in statements:
        for ins in st.code:
            if type(ins) is Name and ins.name in families:
                raise ParseError(f"{ins.name} is a family: give an index ({ins.name}[i]), or "
                                 f"sum(...) its elements", source, ins.pos)
            if type(ins) is Name and ins.name in scope.functions:
                raise ParseError(f"{ins.name!r} is a function: call it as {ins.name}(...)",
                                 source, ins.pos)
    fixed = [_sized(st, sizes) for st in statements]
    return Program(source, tuple(fixed), tuple(sizes), tuple(families), plain=False)


def _index_names(st: Statement) -> list[str]:
    """The names the statement's indices and range ends read that no for of its binds: its
    sizes."""
    names: list[str] = []
    bound: set[str] = set()
    loops: list[Loop] = list(st.loops)
    codes = list(st.indices or ())
    for ins in st.code:
        if type(ins) is Elem:
            codes.extend(ins.indices)
        elif type(ins) is Reduce:
            loops.extend(ins.loops)
    for lp in loops:
        bound.add(lp.var)
        if lp.range is not None:
            codes += [lp.range.lo, lp.range.hi]
    for code in codes:
        names += [n for n in indices.names_in(code) if n not in bound and n not in names]
    return names


def _sized(st: Statement, sizes: dict[str, None]) -> Statement:
    """A size read as a value (`x/n`) reads its number, never an input."""
    if not any(type(ins) is Name and ins.name in sizes for ins in st.code):
        return st
    code = tuple(IndexVar(ins.name, ins.pos) if type(ins) is Name and ins.name in sizes
                 else ins for ins in st.code)
    return st._replace(code=code)

