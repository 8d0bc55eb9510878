"""Check, exact and symbolic results -> rich renderables and plain text lines.

Pure string building over CheckResult, ExactResult and Derivation: nothing here computes a
derivative or imports SymPy; rich is imported only by the functions that build renderables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..numbers import apart, number, shown
from .explain import d
from .layout import Cells, Prose
from .plain import columns as _columns

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..results.check import CheckResult, Entry
    from ..results.exact import ExactResult
    from ..results.grad import GradResult

NONE = "—"


def _num(x: float | None) -> str:
    return NONE if x is None else shown(x)


def _exact_beside(exact: str | None, value: float | None) -> str:
    """`sqrt(3)/2 ≈ 0.8660254037844386`, or just `5` when the exact form is the number."""
    if exact is None:
        return _num(value)
    if value is None or exact == number(value):
        return exact
    return f"{exact} ≈ {shown(value)}"


# --- check -----------------------------------------------------------------------------

def _fd(e: Entry) -> str:
    return NONE if e.fd is None else f"{shown(e.fd)} ± {e.fd_error:.1g}"


def check_rows(c: CheckResult) -> list[list[str]]:
    """One row per gradient entry: derivative, AD, FD ± error, SymPy (exact ≈ float), verdict."""
    rows = []
    for e in c.entries:  # AD and SymPy with the digits that tell them apart if they differ
        if e.symbolic is None:
            ad, beside = shown(e.ad), e.symbolic_exact or NONE
        else:  # a disagreement shows where they differ; agreeing ones, at the view's digits
            ad, sym = apart([e.ad, e.symbolic]) if e.verdict == "mismatch" else (
                shown(e.ad), shown(e.symbolic))
            exact = e.symbolic_exact
            beside = sym if exact is None else exact if exact == number(e.symbolic) \
                else f"{exact} ≈ {sym}"
        rows.append([d(e.output, e.input), ad, _fd(e), beside, e.verdict])
    return rows


def check_summary(c: CheckResult) -> list[str]:
    modes = " · ".join(m.mode + " " + (m.status if m.status != "skipped (paths truncated)"
                                         else "skipped (too many paths to add one by one)")
                       for m in c.modes)
    lines = [f"tolerance: |AD − SymPy| ≤ {c.atol:g} + {c.rtol:g}·scale; SymPy: {c.symbolic}",
             f"modes agree with {c.mode}: {modes}"]
    if c.direction is not None:
        t = c.direction
        lines.append(f"JVP and VJP along a random direction (seed {t.seed}): u·(J v) = "
                     f"{shown(t.jvp)}, (uᵀJ)·v = {shown(t.vjp)}: {t.status}")
    local = c.local
    if local is not None:
        lines.append(f"local derivatives: {local.checked} checked against differences of their "
                     f"own op; furthest off ∂{local.dst}/∂{local.src} = {local.formula}: "
                     f"{shown(local.ad)} against {shown(local.fd)} ± {local.fd_error:.1g} "
                     + ("(agrees)" if local.agrees else "(disagrees)"))
    lines += [f"{d(e.output, e.input)}: {e.note}" for e in c.entries if e.note]
    lines += list(c.notes)
    if c.passed:
        lines.append("check passed")
        return lines
    lines.append("check FAILED: " + "; ".join(c.failures))
    if local is not None and not local.agrees:
        lines.append(f"the likely cause: the edge {local.src} → {local.dst}, whose local "
                     f"derivative {local.formula} is {shown(local.ad)} here, where its op's own "
                     f"differences give {shown(local.fd)}")
    return lines


CHECK_COLUMNS = ("derivative", "AD", "finite differences ± error", "SymPy", "verdict")


def check_lines(c: CheckResult) -> list[str]:
    from .plain import prose

    return ["check", *_columns([list(CHECK_COLUMNS), *check_rows(c)]),
            *prose(check_summary(c))]


def check_view(c: CheckResult) -> RenderableType:
    from rich.console import Group

    rows = check_rows(c)
    styles = {(k, 4): {"ok": "bold", "mismatch": "bold red", "kink": "magenta"}.get(
        row[-1], "dim") for k, row in enumerate(rows)}
    return Group(Cells("Check: AD, finite differences and SymPy", CHECK_COLUMNS, rows, styles),
                 Prose(check_summary(c), hang=2))


# --- exact -----------------------------------------------------------------------------

def exact_rows(r: GradResult, ex: ExactResult) -> tuple[list[list[str]], list[list[str]]]:
    """(node rows: id, definition, value, exact; gradient rows: derivative, value, exact)."""
    nodes = [[n.id, "input" if n.op == "input" else n.expr, _num(n.value), ex.nodes[i][1] or NONE]
             for i, n in enumerate(r.nodes)] if ex.nodes else []
    grads = [[d(o, w), shown(v), (ex.jacobian.get(o, {}).get(w)) or NONE]
             for o in r.outputs for w, v in r.jacobian[o].items()]
    return nodes, grads


def exact_lines(r: GradResult, ex: ExactResult) -> list[str]:
    nodes, grads = exact_rows(r, ex)
    lines = [f"exact ({ex.status})"]
    if nodes:
        lines += _columns([["id", "definition", "value", "exact"], *nodes])
    if grads and ex.jacobian:
        lines += ["", *_columns([["derivative", "value", "exact"], *grads])]
    return lines


def exact_view(r: GradResult, ex: ExactResult) -> RenderableType:
    from rich.console import Group

    nodes, grads = exact_rows(r, ex)
    parts: list[Any] = [Cells(f"Exact values ({ex.status})", ["id", "definition", "value",
                                                              "exact"], nodes)]
    if grads and ex.jacobian:
        parts.append(Cells("", ["derivative", "value", "exact"], grads))
    return Group(*parts)
