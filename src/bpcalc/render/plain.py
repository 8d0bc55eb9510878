"""Result -> plain text: aligned columns, no box drawing, no colour; for logs and pipes."""

from __future__ import annotations

from ..ops import number as num
from ..ops import number_text
from ..result import GradResult

MODE_LINE = {
    "reverse": "reverse (backpropagation): one pass per output, from the output back",
    "forward": "forward: one pass per input, from the input towards the output",
    "paths": "sum over paths: the product of the local derivatives along every path",
}


def d(out: str, wrt: str) -> str:
    return f"∂{out}/∂{wrt}"


def _columns(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()
            for r in rows]


def render(r: GradResult) -> str:
    lines = [f"expression  {r.expression.strip()}" if "\n" not in r.expression.strip()
             else "program\n" + "\n".join("  " + s for s in r.expression.strip().splitlines()),
             f"mode        {MODE_LINE[r.mode]}", ""]
    lines.append("nodes")
    lines += _columns([["id", "definition", "value"]]
                      + [[n.id, "input" if n.op == "input" else n.expr, num(n.value)]
                         for n in r.nodes])
    lines.append("")
    if r.edges:
        lines.append("edges (local derivatives)")
        rows = []
        for e in r.edges:
            formula = "" if e.local == num(e.value) else f"= {e.local}"
            rows.append([d(e.dst, e.src), formula, f"= {num(e.value)}"])
        lines += _columns(rows)
        lines.append("")
    lines += _mode_section(r)
    lines.append("gradient" if r.single else "jacobian")
    rows = [[d(o, w), "=", num(v)] for o in r.outputs for w, v in r.jacobian[o].items()]
    lines += _columns(rows) if rows else ["  (no inputs)"]
    return "\n".join(lines)


def _mode_section(r: GradResult) -> list[str]:
    ids = [n.id for n in r.nodes]
    if r.adjoints is not None:
        out = []
        for o in r.outputs:
            out.append(f"adjoints {d(o, 'v')} (reverse pass from {o}; nodes in reverse order)")
            rows = [[d(o, ids[i]), "=", num(r.adjoints[i][o])] for i in reversed(range(len(ids)))]
            out += _columns(rows) + [""]
        return out
    if r.tangents is not None:
        out = []
        for w in r.wrt:
            out.append(f"tangents {d('v', w)} (forward pass from {w}; nodes in evaluation order)")
            rows = [[d(ids[i], w), "=", num(r.tangents[i][w])] for i in range(len(ids))]
            out += _columns(rows) + [""]
        return out
    out = ["paths (each path's product of local derivatives)"]
    rows = [[f"{p.input} → {p.output}:", " → ".join(p.nodes),
             "= " + "·".join(number_text(f) for f in p.factors) if p.factors else "= 1",
             "= " + num(p.product) if len(p.factors) > 1 else ""]
            for p in r.paths]
    out += _columns(rows) if rows else ["  (none)"]
    out.append("")
    out.append("path counts")
    assert r.path_counts is not None
    out += _columns([[f"{w} → {o}:", f"{c} path{'s' * (c != 1)}"]
                     for o in r.outputs for w, c in r.path_counts[o].items()])
    if r.paths_truncated:
        out.append(f"  only the first {len(r.paths)} paths are listed (raise --limit for more);")
        out.append("  the gradient adds them all up in one merged reverse pass instead, which")
        out.append("  touches each edge once however many paths there are")
    out.append("")
    return out
