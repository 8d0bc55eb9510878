"""`bpcalc diff` -> text: the δ lines of the reverse pass, the gradient, the `where` lines
and the edges, as plain lines or rich renderables (formulas.py made the formulas)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..formulas import Name, latex, text
from ..formulas.index_diff import IndexDiff
from ..numbers import apart, shown
from .explain import plural, point_text, source_line
from .layout import Cells, Prose
from .plain import columns as _columns

if TYPE_CHECKING:
    from ..formulas import Line
    from ..results.formulas import DiffResult


def _f(ln: Line, tex: dict[str, str] | None) -> str:
    return latex(ln.tree, tex) if tex is not None else text(ln.tree)


def _left(ln: Line, kind: str, out: str, tex: dict[str, str] | None) -> str:
    r"""`∂L/∂w11`, `δ_h1`, `c`; in LaTeX `\frac{\partial L}{\partial w_{11}}`, `\delta_{h_{1}}`."""
    if tex is None:
        return ln.left
    if kind == "gradient":
        o, w = latex(Name(out, -1), tex), latex(Name(ln.left.split("/∂", 1)[1], -1), tex)
        return rf"\frac{{\partial {o}}}{{\partial {w}}}"
    return latex(Name(ln.left, ln.node, kind == "delta"), tex)


def family_sections(r: IndexDiff, as_latex: bool = False
                    ) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, headers, rows) of a family program: per output its δ lines, one a family,
    and its gradient, one formula a parameter family, in their indices."""
    from ..formulas.tex_index import delta_tex, family_tex, index_latex

    parts = []
    for b in r.blocks:
        fams = [d.family for d in b.deltas]

        def formula(t: Any) -> str:
            return index_latex(t, r.tex, fams) if as_latex else text(t)  # noqa: B023

        out = family_tex(b.output, (), r.tex)
        if b.deltas:
            parts.append((f"backpropagation from {b.output}, a family a line: δ_v = "
                          f"∂{b.output}/∂v, each from those above it", ["adjoint", "formula"],
                          [[delta_tex(d.family, d.at, r.tex, fams) if as_latex else d.left,
                            formula(d.tree)] for d in b.deltas]))
        parts.append(("gradient" if len(r.outputs) == 1 else f"gradient of {b.output}",
                      ["derivative", "formula"],
                      [[rf"\frac{{\partial {out}}}{{\partial {family_tex(g.family, g.at, r.tex)}}}"
                        if as_latex else g.left, formula(g.tree)] for g in b.gradient]))
    return parts


def sections(r: DiffResult | IndexDiff, as_latex: bool = False
             ) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, headers, rows) for each part: per output its δ lines, gradient and where
    lines, then the edges; a value column when a point was given."""
    if isinstance(r, IndexDiff):
        return family_sections(r, as_latex)
    at = ["at the point"] if r.values is not None else []
    tex = r.formulas.tex if as_latex else None
    parts = []

    def rows(lines: tuple[Line, ...], kind: str, out: str) -> list[list[str]]:
        return [[_left(ln, kind, out, tex), _f(ln, tex),
                 *([shown(r.values[out, ln.left])] if r.values is not None else [])]
                for ln in lines]

    for b in r.formulas.blocks:

        if b.deltas:
            parts.append((f"backpropagation from {b.output}: δ_N = ∂{b.output}/∂N for each node N, "
                          "each from those above it", ["adjoint", "formula", *at],
                          rows(b.deltas, "delta", b.output)))
        grad_rows = rows(b.gradient, "gradient", b.output)
        headers = ["derivative", "formula", *at]
        if r.expanded is not None and r.expanded.partials:
            headers.append("expanded in the inputs")
            for row, w in zip(grad_rows, r.wrt):
                f = r.expanded.partial(b.output, w).inputs
                row.append((f.latex if as_latex else f.text) or "(too long to print)")
        parts.append(("gradient" if len(r.outputs) == 1 else f"gradient of {b.output}",
                      headers, grad_rows))
        if b.where:
            parts.append(("where", ["id", "definition", *at], rows(b.where, "where", b.output)))
    if r.formulas.where:
        parts.append(("where (the ids of the edges)", ["id", "definition", *at],
                      rows(r.formulas.where, "where", "")))
    parts.append(("edges (local derivatives, as grad writes them)", ["edge", "formula"],
                  [[f"∂{dst}/∂{src}", t if tex is None else latex(x, tex)]
                   for src, dst, t, x in r.edges]))
    return parts


def _notes(r: DiffResult | IndexDiff) -> list[str]:
    said = []
    if isinstance(r, IndexDiff):
        return _family_notes(r)
    if r.element_wise is not None:
        said.append(f"element by element: {r.element_wise}, which one formula a family "
                    "does not cover")
    if r.expanded is not None and r.expanded.status != "ok":
        said.append(f"expanded form: {r.expanded.status}")
    if r.checks is not None:
        bad = [c for c in r.checks if not c.ok]
        said.append(f"check: {len(r.checks)} formulas evaluated at the point against the "
                    "engine's adjoints and gradient: " + ("all agree" if not bad else
                                                         f"{len(bad)} disagree"))
        for c in bad:  # with the digits that tell the two apart
            formula, engine = apart([c.formula, c.engine])
            said.append(f"  {c.left}: the formula gives {formula}, the engine {engine}")
    return said


def _family_notes(r: IndexDiff) -> list[str]:
    if r.checks is None:
        return []
    bad = [c for c in r.checks if not c.ok]
    n = sum(c.elements for c in r.checks)
    said = [f"check: {plural(len(r.checks), 'formula')} evaluated at the point at "
            + (f"all {n} elements" if not r.shared else
               f"{n} elements (not at {plural(r.shared, 'δ element')} that share a node with "
               "another, whose adjoint is their sum)")
            + " against the engine's adjoints and gradient: "
            + ("all agree" if not bad else f"{len(bad)} disagree")]
    for c in bad:
        formula, engine = apart([c.formula, c.engine])
        said.append(f"  {c.worst}: the formula gives {formula}, the engine {engine}")
    return said


def head(r: DiffResult | IndexDiff, room: int = 72) -> list[str]:
    lines = [f"bpcalc diff  {source_line(r.expression, r.outputs, room)}"]
    if r.point is not None:
        lines.append(point_text(r.point, room))
    return lines


def lines(r: DiffResult | IndexDiff, as_latex: bool = False, header: bool = True) -> list[str]:
    """The plain view; `header` False: without its first lines (grad --mode symbolic
    prints its own)."""
    from .plain import prose

    out = prose(head(r)) if header else []  # wrapped: a narrow terminal
    for title, headers, rows in sections(r, as_latex):
        out += ["", *prose([title]), *_columns([headers, *rows])]
    notes = _notes(r)
    out += ["", *prose(notes)] if notes else []
    return out if header else out[1:]


def view(r: DiffResult | IndexDiff, as_latex: bool = False, header: bool = True) -> list[Any]:
    """The rich view as parts to print apart; `header` False: without the header."""
    from .rich_view import Header

    parts: list[Any] = [Header("diff", r.expression, r.outputs, r.point or {})] if header \
        else []
    for title, headers, rows in sections(r, as_latex):
        parts.append(Cells(title[:1].upper() + title[1:], headers, rows))
    notes = _notes(r)
    if notes:
        parts.append(Prose(notes, hang=2))
    return parts
