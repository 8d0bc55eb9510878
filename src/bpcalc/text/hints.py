"""What a message suggests for the mistakes a newcomer makes most: an operator copied from a
page in Unicode (`x × y`, `√x`, `x²`), a point written inside the expression (`"y = x^2
x=3"`), a sum without its index (`sum(w*x)`), a function defined but never called (`sq(x) =
x*x`), an assignment that makes a would-be input a constant (`x = 3; y = x^2`).

Imported on those paths only, never when a program reads well."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from .lexer import Token, tokenize
from .words import RESERVED

SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
UNICODE = {"×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "π": "pi",
           "√": "sqrt(...)", **{s: "^" + d for s, d in SUPERSCRIPTS.items()}}
SUBSCRIPTS = frozenset("₀₁₂₃₄₅₆₇₈₉")  # generated ids, v₁: copied from a view
SHORT = 60  # a line longer than this is not written out again in a hint


def unicode_hint(source: str, pos: int) -> str:
    """For the character at `pos`, one of UNICODE: its line in ASCII, and how bpcalc writes
    that character; '' for any other character."""
    ch = source[pos]
    if ch in SUBSCRIPTS:
        return ("v₁, v₂, … are the ids bpcalc gives unnamed steps, and no program can write "
                "them: name the step (c = a + b) and use its name")
    if ch not in UNICODE:
        return ""
    start = source.rfind("\n", 0, pos) + 1
    end = source.find("\n", pos)
    fixed = ascii_text(source[start:end if end >= 0 else len(source)].strip())
    note = f"bpcalc writes {ch} as {UNICODE[ch]}"
    return f"did you mean {fixed}? ({note})" if len(fixed) <= SHORT else note


def ascii_text(text: str) -> str:
    """`text` with every character of UNICODE spelled in ASCII: `√x²` is `sqrt(x)^2`, a run
    of superscript digits one power (`x¹⁰` is `x^10`)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in SUPERSCRIPTS:
            j = i
            while j < n and text[j] in SUPERSCRIPTS:
                j += 1
            out.append("^" + "".join(SUPERSCRIPTS[c] for c in text[i:j]))
            i = j
            continue
        if ch == "√":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_."):
                j += 1
            operand = text[i + 1:j]
            out.append(f"sqrt({operand})" if operand else "sqrt")
            i = j
            continue
        out.append(UNICODE.get(ch, ch))
        i += 1
    return "".join(out)


def quoted(text: str) -> str:
    """`text` as one shell word, in double quotes where they are safe."""
    if not any(c in text for c in '"$`\\!'):
        return f'"{text}"' if any(c in text for c in " ()*;<>&|'[]?") else text
    return shlex.quote(text)


def point_inside(source: str, tokens: Sequence[Token], i: int) -> tuple[str, str, str]:
    """`NAME=VALUE ...` from token i to the end of the line, inside the expression: (the
    message, a hint for a program of several lines, and for a one-line source the
    arguments of the command that was meant: `"y = x^2" x=3`)."""
    starts = [j for j in range(i, len(tokens) - 1)
              if tokens[j].kind == "NAME" and tokens[j + 1].text == "="
              and (j == i or tokens[j - 1].kind in ("NUM", "NAME")
                   or tokens[j - 1].text in (")", "]", ","))]
    stop = len(source) if "\n" not in source[tokens[i].pos:] else \
        source.index("\n", tokens[i].pos)
    bounds = [tokens[j].pos for j in starts] + [stop]
    pairs = []
    for a, b in zip(bounds, bounds[1:]):
        name, _, value = source[a:b].partition("=")
        pairs.append(quoted(f"{name.strip()}={value.strip().rstrip(',').replace(' ', '')}"))
    first = pairs[0].strip('"')
    message = f"{first} inside the expression: give the point as separate arguments"
    if "\n" in source.strip():
        return message, f"leave {first} out of the program and give it after it on the " \
                        "command line (or in --point FILE)", ""
    rest = source[:tokens[i].pos].strip().rstrip(",;").strip()
    return message, "", " ".join([quoted(rest), *pairs])


def indexed(name: str, argument: str, two: bool) -> str:
    """The hint for `sum(w*x)`, a reduction without a for: its argument with each plain name
    indexed, `sum(w[i]*x[i] for i)` (by the index it has already, if any)."""
    tokens = tokenize(argument)
    depths, depth = [], 0  # how deep in [ ] each token is
    for tok in tokens:
        depths.append(depth)
        depth += (tok.text == "[") - (tok.text == "]")
    inside = [t.text for t, d in zip(tokens, depths) if t.kind == "NAME" and d > 0]
    names = {t.text for t in tokens if t.kind == "NAME"}
    var = inside[0] if inside else next((v for v in "ijkmn" if v not in names), "i")
    out, last = [], 0
    for k, tok in enumerate(tokens[:-1]):
        if tok.kind == "NAME" and tok.text not in RESERVED and depths[k] == 0 \
                and tokens[k + 1].text not in ("(", "["):
            end = tok.pos + len(tok.text)
            out += [argument[last:end], f"[{var}]"]
            last = end
    out.append(argument[last:])
    body = "".join(out).strip()
    other = f"; {name}(a, b) of two values" if two else ""
    return f"did you mean {name}({body} for {var})? ({name}(W) takes every element of a " \
           f"family W{other})"


def _statement(tokens: Sequence[Token], pos: int) -> tuple[int, int]:
    """The statement that starts at `pos`: (its first token, the SEP or END after it)."""
    first = next(k for k, t in enumerate(tokens) if t.pos == pos)
    j = first
    while tokens[j].kind not in ("SEP", "END"):
        j += 1
    return first, j


def uncalled(source: str, tokens: Sequence[Token], pos: int, name: str,
             params: Sequence[str]) -> str:
    """The hint for a program of function definitions alone (`sq(x) = x*x`): call the last
    one in a statement, or write its body as the expression."""
    first, j = _statement(tokens, pos)
    eq = next(k for k in range(first, j) if tokens[k].text == "=")
    body = source[tokens[eq].pos + 1:tokens[j].pos].strip()
    taken = set(params) | {name}
    out = next(v for v in ("y", "out", "result", "y_") if v not in taken)
    defined = source[:tokens[j].pos].strip().replace("\n", "; ")
    return (f"a function is computed where a later statement calls it: did you mean "
            f"{defined}; {out} = {name}({', '.join(params)})? (or the expression alone: {body})")


def constant_inputs(source: str) -> str:
    """A warning for a program with no inputs whose statements assign a name a constant
    that a later statement reads (`x = 3; y = x^2`): they made a would-be input a constant.
    '' where no statement did."""
    from ..errors import BpcalcError
    from .parser import parse
    from .program import Apply, Name, Num

    try:
        program = parse(source)
    except BpcalcError:  # the reader took it; this only words a warning
        return ""
    tokens = tokenize(source)
    found: list[tuple[str, str, int, int]] = []  # name, value text, start, end of statement
    sts = program.statements
    for k, st in enumerate(sts):
        if st.target is None or st.update or st.params or st.indices is not None \
                or st.target in program.sizes \
                or not all(type(ins) in (Num, Apply) for ins in st.code):
            continue
        if not any(type(ins) is Name and ins.name == st.target
                   for later in sts[k + 1:] for ins in later.code):
            continue
        first, j = _statement(tokens, st.pos)
        value = source[tokens[first + 2].pos:tokens[j].pos].strip()
        found.append((st.target, value, st.pos, tokens[j + 1].pos if j + 1 < len(tokens)
                      else tokens[j].pos))
    if not found:
        return ""
    names = [f[0] for f in found]
    said = " and ".join(f"{n} = {v}" for n, v, _, _ in found)
    pairs = " ".join(quoted(f"{n}={v.replace(' ', '')}") for n, v, _, _ in found)
    if len(found) == 1:
        head = f"{said} makes {names[0]} a constant, so the gradient has no inputs; to " \
               f"make {names[0]} an input, "
    else:
        head = f"{said} make {' and '.join(names)} constants, so the gradient has no " \
               "inputs; to make them inputs, "
    if "\n" in source.strip():
        return head + f"delete {'those statements' if len(found) > 1 else 'that statement'}" \
                      f" and give {pairs} on the command line"
    kept, last = [], 0
    for _, _, start, end in found:
        kept.append(source[last:start])
        last = end
    kept.append(source[last:])
    rest = "".join(kept).strip().rstrip(";").strip()
    what = "their values as arguments" if len(found) > 1 else "its value as an argument"
    return head + f"give {what} instead: bpcalc grad {quoted(rest)} {pairs}"
