"""Result -> plain text: aligned columns, no box drawing, no colour; for logs and pipes.

Lines fit the terminal's width (COLUMNS, or 80 when there is no terminal), broken only
where a value is whole (layout.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

from ..numbers import shown
from ..results.grad import GradResult
from . import explain, layout
from .explain import d, value


def width() -> int:
    """The width plain text is laid out at: the terminal's, COLUMNS, or 80."""
    return max(shutil.get_terminal_size((80, 24)).columns, 40)


def columns(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """A table whose first row is its header."""
    return layout.lines(rows[0], rows[1:], width(), indent)


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows without a header, aligned."""
    if not rows:
        return []
    return layout.lines([""] * len(rows[0]), rows, width(), indent)


def prose(lines: Sequence[str], indent: str = "", words: bool = True) -> list[str]:
    """Lines wrapped to the width: at spaces, or (`words` False: steps) where a cell breaks."""
    breaks = layout.WORDS if words else layout.BREAKS
    return [indent + part for line in lines
            for part in layout.hanging(line, width() - len(indent), None, breaks)]


def render(r: GradResult, steps: bool = False) -> str:
    total = width()
    source = explain.source_line(r.expression, r.outputs, total - 12)
    lines = layout.hanging(f"expression  {source}", total, 12, layout.WORDS)
    point = explain.point_text(r.inputs, total - 12)
    lines += layout.hanging(f"at          {point[3:]}", total, 12, layout.ITEMS) if point else []
    lines += layout.hanging(f"mode        {explain.MODE_TITLE[r.mode]}", total, 12, layout.WORDS)
    lines += ["", "nodes"]
    lines += columns([["id", "definition", "value"]]
                     + [[n.id, "input" if n.op == "input" else n.expr, value(n.value)]
                        for n in r.nodes])
    lines.append("")
    if r.edges:
        lines.append("edges (local derivatives)")
        rows = []
        for name, e in zip(explain.edge_names(r), r.edges):
            formula = f"= {e.local}" if explain.shows_value(e) else ""
            rows.append([name, formula, f"= {value(e.value)}"])
        lines += table(rows)
        lines.append("")
    lines += _mode_section(r)
    if steps:
        lines += ["steps", *prose(explain.steps(r), "  ", words=False), ""]
    lines.append("gradient" if r.single else "jacobian")
    rows = [[d(o, w), "=", shown(v)] for o in r.outputs for w, v in r.jacobian[o].items()]
    lines += table(rows) if rows else ["  (no inputs)"]
    if r.cost is not None:
        lines += ["", *layout.hanging(explain.cost_line(r), total, 6)]
    return "\n".join(lines)


def _mode_section(r: GradResult) -> list[str]:
    out: list[str] = []
    if r.mode == "reverse":
        for o in r.outputs:
            out += prose([f"reverse pass for {o}: adjoints {d(o, 'N')} for each node N, "
                          f"from {o} back"])
            out += table([[d(o, s.node), "=", s.text()] for s in explain.reverse_sums(r, o)])
            out.append("")
    elif r.mode == "forward":
        for w in r.wrt:
            out += prose([f"forward pass for {w}: tangents {d('v', w)}, from {w} on"])
            out += table([[d(s.node, w), "=", s.text()] for s in explain.forward_sums(r, w)])
            out.append("")
    elif r.mode == "paths":
        out += prose(["paths (each the product of its edges' local derivatives)"])
        rows = [[nodes, f"= {factors}", f"= {product}"]
                for nodes, factors, product in map(explain.path_line, r.paths)]
        out += table(rows) if rows else ["  (none)"]
        out += ["", "sums over paths"]
        out += table([[d(o, w), "=", text, f"({explain.counted(count, 'path')})"]
                      for o, w, text, count in explain.path_sums(r)]) or ["  (none)"]
        out += prose(explain.truncation_note(r), "  ")
        out.append("")
    return out
