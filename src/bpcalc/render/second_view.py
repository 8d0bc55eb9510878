"""Hessian and directional-derivative results -> text lines (plain) and rich tables.

The Hessian is a matrix when it fits the width; past that, the list of its entries on
and above the diagonal that are not 0 (it is symmetric).
"""

from __future__ import annotations

from typing import Any

from ..numbers import shown
from ..results.second import DirectionalResult, HessianResult
from . import explain, layout
from .explain import d


def _point(inputs: dict[str, float]) -> str:
    return ", ".join(f"{k} = {shown(v)}" for k, v in inputs.items())


def hessian_rows(h: HessianResult) -> list[list[str]]:
    """The symmetric matrix with a header row: ∂²f/∂x∂y for every pair of inputs."""
    rows = [[f"∂²{h.output}", *(f"∂{w}" for w in h.wrt)]]
    rows += [[f"∂{r}", *(shown(h.hessian[r][c]) for c in h.wrt)] for r in h.wrt]
    return rows


def entry_rows(h: HessianResult) -> tuple[list[list[str]], int]:
    """(`∂²L/∂w11∂x1`, value) for each entry on or above the diagonal that is not 0, and
    how many such entries are 0."""
    rows, zeros = [], 0
    for i, r in enumerate(h.wrt):
        for c in h.wrt[i:]:
            v = h.hessian[r][c]
            if v == 0:
                zeros += 1
                continue
            pair = f"∂{r}²" if r == c else f"∂{r}∂{c}"
            rows.append([f"∂²{h.output}/{pair}", shown(v)])
    return rows, zeros


def _zeros_note(zeros: int, listed: int) -> str:
    if not zeros:
        return ""
    if not listed:
        return "every entry is 0"
    return (f"the other {explain.plural(zeros, 'entry', 'entries')} on and above the "
            f"diagonal {'is' if zeros == 1 else 'are'} 0")


def _cost(h: HessianResult) -> str:
    passes = explain.plural(h.passes, "forward-over-reverse pass",
                            "forward-over-reverse passes")
    return f"cost  {passes}, {explain.plural(h.edge_ops, 'edge operation')}"


def hessian_lines(h: HessianResult) -> list[str]:
    from .plain import prose, table, width

    total = width()
    source = explain.source_line(h.expression, [h.output], total - 12)
    lines = [*layout.hanging(f"expression  {source}", total, 12, layout.WORDS),
             *layout.hanging(f"at          {_point(h.inputs)}", total, 12, layout.ITEMS),
             *layout.hanging(f"value       {h.output} = {shown(h.value)}", total, 12),
             "", "gradient"]
    lines += table([[d(h.output, w), "=", shown(v)] for w, v in h.gradient.items()])
    lines += ["", *prose(["hessian (symmetric; one forward-over-reverse pass per column)"])]
    rows = hessian_rows(h)
    if layout.widths(rows[0], rows[1:], total - 2, layout.PLAIN_GAP) is not None:
        lines += layout.lines(rows[0], rows[1:], total, right=range(1, len(rows[0])))
    else:
        entries, zeros = entry_rows(h)
        lines += table([[name, "=", v] for name, v in entries])
        lines += prose([_zeros_note(zeros, len(entries))], "  ") if zeros else []
    return lines + ["", *layout.hanging(_cost(h), total, 6, layout.WORDS)]


def directional_lines(r: DirectionalResult, total: int | None = None) -> list[str]:
    """The JVP or VJP as text lines no wider than `total` (plain's width by default)."""
    from .plain import width

    total = total or width()
    jvp = r.kind == "jvp"
    given = {k: v for k, v in r.seed.items() if v}
    seed = ", ".join(f"{k} = {shown(v)}" for k, v in given.items()) or "0"
    if len(given) < len(r.seed) and given:
        seed += ", the rest 0"
    source = explain.source_line(r.expression, list(r.derivative) if jvp else [], total - 12)
    lines = [*layout.hanging(f"expression  {source}", total, 12, layout.WORDS),
             *layout.hanging(f"at          {_point(r.inputs)}", total, 12, layout.ITEMS),
             *layout.hanging(("direction   " if jvp else "cotangent   ") + seed, total, 12,
                             layout.ITEMS), ""]
    if jvp:
        lines += layout.hanging("directional derivative (Jacobian-vector product, one "
                                "forward pass)", total, 0, layout.WORDS)
        lines += [f"  ∇{o}·v = {shown(v)}" for o, v in r.derivative.items()]
    else:
        lines += layout.hanging("vector-Jacobian product (one reverse pass)", total, 0,
                                layout.WORDS)
        lines += [f"  Σ u·∂/∂{w} = {shown(v)}" for w, v in r.derivative.items()]
    lines += ["", *layout.hanging(f"cost  1 {'forward' if jvp else 'reverse'} pass, "
                                  f"{explain.plural(r.edge_ops, 'edge operation')}", total, 6,
                                  layout.WORDS)]
    return lines


def hessian_view(h: HessianResult) -> list[Any]:
    from rich.console import Group

    from .layout import Cells, Prose
    from .rich_view import Header

    head = Header("hessian", h.expression, [h.output], h.inputs,
                  f"{h.output} = {shown(h.value)}")
    grad = Cells("Gradient", ["derivative", "value"],
                 [[d(h.output, w), shown(v)] for w, v in h.gradient.items()])
    rows = hessian_rows(h)
    entries, zeros = entry_rows(h)
    listed = Cells("Hessian: its entries on and above the diagonal that are not 0 "
                   "(it is symmetric; one forward-over-reverse pass per input)",
                   ["entry", "value"], entries)
    instead: Any = Group(listed, Prose([_zeros_note(zeros, len(entries))], style="italic")) \
        if zeros \
        else listed
    mat = Cells("Hessian (symmetric; one forward-over-reverse pass per column)", rows[0],
                rows[1:], right=range(1, len(rows[0])), instead=instead)
    return [head, grad, mat, Prose([_cost(h)], style="dim", hang=6)]
