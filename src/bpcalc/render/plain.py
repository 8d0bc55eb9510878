"""Result -> plain text: aligned columns, no box drawing, no colour; for logs and pipes."""

from __future__ import annotations

from ..numbers import number
from ..results.grad import GradResult
from . import explain
from .explain import d, value


def columns(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()
            for r in rows]


def render(r: GradResult, steps: bool = False) -> str:
    source = r.expression.strip()
    lines = ([f"expression  {source}"] if "\n" not in source
             else ["program"] + ["  " + s for s in source.splitlines()])
    point = ", ".join(f"{k} = {number(v)}" for k, v in r.inputs.items() if v is not None)
    lines += [f"at          {point}"] if point else []
    lines += [f"mode        {explain.MODE_TITLE[r.mode]}", "", "nodes"]
    lines += columns([["id", "definition", "value"]]
                      + [[n.id, "input" if n.op == "input" else n.expr, value(n.value)]
                         for n in r.nodes])
    lines.append("")
    if r.edges:
        lines.append("edges (local derivatives)")
        rows = []
        for e in r.edges:
            formula = f"= {e.local}" if explain.shows_value(e) else ""
            rows.append([d(e.dst, e.src), formula, f"= {value(e.value)}"])
        lines += columns(rows)
        lines.append("")
    lines += _mode_section(r)
    if steps:
        lines += ["steps"] + ["  " + s for s in explain.steps(r)] + [""]
    lines.append("gradient" if r.single else "jacobian")
    rows = [[d(o, w), "=", number(v)] for o in r.outputs for w, v in r.jacobian[o].items()]
    lines += columns(rows) if rows else ["  (no inputs)"]
    if r.cost is not None:
        lines += ["", explain.cost_line(r)]
    return "\n".join(lines)


def _mode_section(r: GradResult) -> list[str]:
    out: list[str] = []
    if r.mode == "reverse":
        for o in r.outputs:
            out.append(f"reverse pass for {o}: adjoints {d(o, 'v')}, from {o} back")
            out += columns([[d(o, s.node), "=", s.text()] for s in explain.reverse_sums(r, o)])
            out.append("")
    elif r.mode == "forward":
        for w in r.wrt:
            out.append(f"forward pass for {w}: tangents {d('v', w)}, from {w} on")
            out += columns([[d(s.node, w), "=", s.text()] for s in explain.forward_sums(r, w)])
            out.append("")
    elif r.mode == "paths":
        out.append("paths (each the product of its edges' local derivatives)")
        rows = [[nodes, f"= {factors}", f"= {product}"]
                for nodes, factors, product in map(explain.path_line, r.paths)]
        out += columns(rows) if rows else ["  (none)"]
        out += ["", "sums over paths"]
        out += columns([[d(o, w), "=", text, f"({count} path{'s' * (count != 1)})"]
                         for o, w, text, count in explain.path_sums(r)])
        out += ["  " + line for line in explain.truncation_note(r)]
        out.append("")
    return out
