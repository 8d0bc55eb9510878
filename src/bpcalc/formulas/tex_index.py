r"""Index formulas in LaTeX, as a textbook writes backpropagation: a family named by a layer
number is that layer (`W1[k,j]` as `W^{(1)}_{kj}`, `δ_h1[j]` as `\delta^{(1)}_{j}` where no
other δ'd family has layer 1), Σ_k as `\sum_{k}`, a comparison as an Iverson bracket
`[h^{(1)}_{j} > 0]`, and factors side by side."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from .trees import _COMPARE, _LATEX, Elem, Tree, _latex_binary, _render, _Style

_LAYER = re.compile(r"([A-Za-z]+)(\d+)")


def family_tex(name: str, at: tuple[str, ...], tex: Mapping[str, str]) -> str:
    r"""`W^{(1)}_{kj}`, `x_{i}`, `\mathit{score}`."""
    m = _LAYER.fullmatch(name)
    if m:
        stem = m.group(1) if len(m.group(1)) == 1 else rf"\mathit{{{m.group(1)}}}"
        core = f"{stem}^{{({m.group(2)})}}"
    else:
        core = tex.get(name) or (name if len(name) == 1 else rf"\mathit{{{name}}}")
    if not at:
        return core
    sub = "".join(at) if all(len(v) == 1 for v in at) else ",".join(at)
    return f"{core}_{{{sub}}}"


def delta_tex(name: str, at: tuple[str, ...], tex: Mapping[str, str],
              deltas: Collection[str]) -> str:
    r"""`\delta^{(1)}_{j}` where h1 is the only δ'd family of layer 1, else
    `\delta_{h^{(1)}_{j}}`."""
    m = _LAYER.fullmatch(name)
    layers = [x.group(2) for x in map(_LAYER.fullmatch, deltas) if x]
    if m and layers.count(m.group(2)) == 1:
        sub = "".join(at) if all(len(v) == 1 for v in at) else ",".join(at)
        return rf"\delta^{{({m.group(2)})}}" + (f"_{{{sub}}}" if at else "")
    return rf"\delta_{{{family_tex(name, at, tex)}}}"


def _style(tex: Mapping[str, str], deltas: Collection[str]) -> _Style:
    def elem(e: Elem) -> str:
        return delta_tex(e.name, e.at, tex, deltas) if e.adjoint else family_tex(e.name, e.at,
                                                                                 tex)

    def binary(op: str, a: str, b: str) -> str:
        if op in _COMPARE:
            sign = {">=": r"\geq", "<=": r"\leq"}.get(op, op)
            return rf"\,[{a} {sign} {b}]"
        return _latex_binary(op, a, b)

    return _LATEX._replace(elem=elem, binary=binary, chain=" ",
                           over=lambda vs: rf"\sum_{{{','.join(vs)}}} ")


def index_latex(t: Tree, tex: Mapping[str, str], deltas: Collection[str] = ()) -> str:
    """t in LaTeX (see the module); `deltas`: the families with δ lines."""
    return _render(t, _style(tex, deltas))
