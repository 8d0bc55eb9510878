"""Hessian and directional-derivative results -> text lines (plain) and rich tables."""

from __future__ import annotations

from typing import Any

from ..numbers import number
from ..results.second import DirectionalResult, HessianResult
from .explain import d


def _point(inputs: dict[str, float]) -> str:
    return ", ".join(f"{k} = {number(v)}" for k, v in inputs.items())


def hessian_rows(h: HessianResult) -> list[list[str]]:
    """The symmetric matrix with a header row: ∂²f/∂x∂y for every pair of inputs."""
    rows = [[f"∂²{h.output}", *(f"∂{w}" for w in h.wrt)]]
    rows += [[f"∂{r}", *(number(h.hessian[r][c]) for c in h.wrt)] for r in h.wrt]
    return rows


def hessian_lines(h: HessianResult) -> list[str]:
    lines = [f"expression  {h.expression.strip()}", f"at          {_point(h.inputs)}",
             f"value       {h.output} = {number(h.value)}", "", "gradient"]
    lines += [f"  {d(h.output, w)} = {number(v)}" for w, v in h.gradient.items()]
    lines += ["", "hessian (forward-over-reverse: one pass per input)"]
    rows = hessian_rows(h)
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines += ["  " + "  ".join(cell.rjust(w) for cell, w in zip(r, widths)) for r in rows]
    lines += ["", f"cost  {h.passes} forward-over-reverse pass{'es' * (h.passes != 1)}, "
                  f"{h.edge_ops} edge operations"]
    return lines


def directional_lines(r: DirectionalResult) -> list[str]:
    jvp = r.kind == "jvp"
    seed = ", ".join(f"{k} = {number(v)}" for k, v in r.seed.items())
    lines = [f"expression  {r.expression.strip()}", f"at          {_point(r.inputs)}",
             ("direction   " if jvp else "cotangent   ") + seed, ""]
    if jvp:
        lines.append("directional derivative (Jacobian-vector product, one forward pass)")
        lines += [f"  ∇{o}·v = {number(v)}" for o, v in r.derivative.items()]
    else:
        lines.append("vector-Jacobian product (one reverse pass)")
        lines += [f"  Σ u·∂/∂{w} = {number(v)}" for w, v in r.derivative.items()]
    lines += ["", f"cost  1 {'forward' if jvp else 'reverse'} pass, {r.edge_ops} edge operations"]
    return lines


def hessian_view(h: HessianResult) -> list[Any]:
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text()
    head.append("bpcalc hessian  ", style="bold")
    head.append(h.expression.strip().replace("\n", "; "), style="cyan")
    head.append(f"  at {_point(h.inputs)}\n{h.output} = {number(h.value)}")
    grad = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    grad.add_column("derivative", overflow="fold")
    grad.add_column("value", overflow="fold")
    for w, v in h.gradient.items():
        grad.add_row(d(h.output, w), number(v))
    rows = hessian_rows(h)
    mat = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, c in enumerate(rows[0]):
        mat.add_column(c, overflow="fold", justify="left" if i == 0 else "right")
    for r in rows[1:]:
        mat.add_row(*r)
    cost = Text(f"cost  {h.passes} forward-over-reverse pass{'es' * (h.passes != 1)}, "
                f"{h.edge_ops} edge operations", style="dim")
    return [head, Group(Text("Gradient", style="bold"), grad),
            Group(Text("Hessian (symmetric; one forward-over-reverse pass per column)",
                       style="bold"), mat), cost]
