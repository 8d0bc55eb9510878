r"""Names in LaTeX, each distinct name printed distinctly.

A name reads as a mathematician writes it where that is unambiguous: `x`, `w11` as
`w_{11}`, `x_i` as `x_{i}`, `out` as `\mathit{out}`, `h1` as `h_{1}`; an earlier version
`x.1` (see the spec) as `x^{(1)}`; an element of an index family `W[2,1]` as `W_{2,1}`,
`W1[2,1]` as `W_{1}[2,1]`. Any other name is written out, its underscores escaped (`x__y` as
`\mathit{x\_\_y}`, never `x^{y}`). Where two names of one program would print alike
(`w11` and `w_11`, both `w_{11}`), both are written out (`\mathit{w11}`,
`\mathit{w\_11}`). A generated id `v₃` is `v_{3}`, or `\hat{v}_{3}` where a program's `v3`
or `v[3]` reads so. The same spelling serves the factored formulas (formulas.py) and
SymPy's expanded ones (symbolic/derive.py), so one name reads the same in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..graphs.graph import PLAIN_DIGITS

if TYPE_CHECKING:
    from ..graphs.graph import Graph

_ID = re.compile(r"(\w+)(\[[^\]]*\])?(?:\.(\d+))?", re.ASCII)  # stem, [index], .version


def _core(letters: str) -> str:
    return letters if len(letters) == 1 else rf"\mathit{{{letters}}}"


_LETTERS_DIGITS = re.compile(r"([A-Za-z]+)(\d*)")
_SUBSCRIPT = re.compile(r"([A-Za-z]+)_([A-Za-z]+|\d+)")


def _pretty(stem: str) -> str | None:
    """The way a mathematician writes `stem`, or None where there is none."""
    m = _LETTERS_DIGITS.fullmatch(stem)
    if m:
        return _core(m.group(1)) + (f"_{{{m.group(2)}}}" if m.group(2) else "")
    m = _SUBSCRIPT.fullmatch(stem)
    if m:
        sub = m.group(2)
        return _core(m.group(1)) + f"_{{{sub if sub.isdigit() else _core(sub)}}}"
    return None


def _written_out(stem: str, index: str | None) -> str:
    return r"\mathit{" + stem.replace("_", r"\_") + "}" + (index or "")


def _look(stem: str, index: str | None) -> str | None:
    """How a mathematician writes stem[index]: the index as the subscript (`W[2,1]` as
    `W_{2,1}`), after one the stem has in brackets (`W1[2,1]` as `W_{1}[2,1]`)."""
    look = _core(stem) if stem.isalpha() and stem.isascii() else _pretty(stem)
    if look is None or index is None:
        return look
    return look + index if "_{" in look else f"{look}_{{{index[1:-1]}}}"


def tex_names(names: Iterable[str]) -> dict[str, str]:
    """LaTeX for each of a program's names and ids (see the module), no two alike."""
    parts: dict[str, tuple[str, str | None, str | None]] = {}
    generated: dict[str, str] = {}  # v₃ reads as v_{3}, or \hat{v}_{3} beside a program's v3
    for name in names:
        plain = name[1:].translate(PLAIN_DIGITS)
        if not name.isascii() and plain.isascii() and plain.isdigit():
            generated[name] = name[0] + "_{" + plain + "}"
            continue
        m = None if name.isidentifier() else _ID.fullmatch(name)
        parts[name] = (m.group(1), m.group(2), m.group(3)) if m else (name, None, None)
    bases = {(stem, index) for stem, index, _ in parts.values()}
    # letters alone (`out`) print as no other name can: no grouping
    spelled = {b: _core(b[0]) for b in bases if b[1] is None and b[0].isalpha()
               and b[0].isascii()}
    by_look: dict[str, set[tuple[str, str | None]]] = {}
    for b in bases:
        look = None if b in spelled else _look(*b)
        if look is not None:
            by_look.setdefault(look, set()).add(b)
    for look, alike in by_look.items():  # w11 and w_11, W[11] and W_11: written out
        for b in alike:
            spelled[b] = look if len(alike) == 1 else _written_out(*b)
    for b in bases - spelled.keys():
        spelled[b] = _written_out(*b)
    taken = set(spelled.values())
    generated = {name: look if look not in taken else f"\\hat{{{look[0]}}}{look[1:]}"
                 for name, look in generated.items()}
    return {**generated, **{name: spelled[stem, index] + (f"^{{({version})}}" if version
                                                         else "")
                            for name, (stem, index, version) in parts.items()}}


def tex_name(name: str, names: Mapping[str, str] | None = None) -> str:
    """One name's LaTeX: from `names` (a program's tex_names) where it is there."""
    if names is not None and name in names:
        return names[name]
    return tex_names([name])[name]


def graph_tex(graph: Graph) -> dict[str, str]:
    """tex_names of every name and id of a program: its nodes, inputs and outputs."""
    return tex_names([*graph.ids, *graph.input_at, *(o for o, _ in graph.outputs)])
