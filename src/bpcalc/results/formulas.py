"""What `bpcalc diff` computed: the reverse pass as formulas (formulas.py), with their
values at a point, SymPy's expanded form and a check, when those were asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..formulas import Formulas, Line, Tree
    from .derivation import Derivation


class LineCheck(NamedTuple):
    """One formula's value at the point against the engine's number."""

    left: str
    formula: float
    engine: float
    ok: bool


class DiffResult(NamedTuple):
    expression: str
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]
    formulas: Formulas
    edges: tuple[tuple[str, str, str, Tree], ...]  # (from, to, grad's formula text, tree)
    point: dict[str, float] | None = None
    values: dict[tuple[str, str], float] | None = None  # (output, line's left) -> value
    expanded: Derivation | None = None  # --expand: SymPy's derivative in the inputs
    checks: tuple[LineCheck, ...] | None = None  # --check
    # a program with families written element by element: why index formulas do not cover it
    element_wise: str | None = None

    @property
    def passed(self) -> bool:
        return self.checks is None or all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The `bpcalc/diff` JSON object (version 2)."""
        from ..formulas import latex, text

        tex = self.formulas.tex

        def line(out: str, ln: Line, key: str) -> dict[str, Any]:
            d: dict[str, Any] = {key: ln.left, "formula": text(ln.tree),
                                 "latex": latex(ln.tree, tex)}
            if self.values is not None and (out, ln.left) in self.values:
                d["value"] = self.values[out, ln.left]
            return d

        blocks: dict[str, Any] = {}
        jac: dict[str, dict[str, Any]] = {}
        for b in self.formulas.blocks:
            grads = {}
            for w, ln in zip(self.wrt, b.gradient):
                g = line(b.output, ln, "derivative")
                if self.expanded is not None and self.expanded.partials:
                    f = self.expanded.partial(b.output, w).inputs
                    g["expanded"], g["expanded_latex"] = f.text, f.latex
                grads[w] = g
            jac[b.output] = grads
            blocks[b.output] = {
                "deltas": [line(b.output, ln, "name") for ln in b.deltas],
                "where": [line(b.output, ln, "id") for ln in b.where]}
        d: dict[str, Any] = {"schema": "bpcalc/diff", "version": 2,
                             "expression": self.expression, "outputs": list(self.outputs),
                             "wrt": list(self.wrt)}
        if self.point is not None:
            d["point"] = self.point
        d["backprop"] = blocks
        d["jacobian"] = jac
        if len(self.outputs) == 1:
            d["gradient"] = jac[self.outputs[0]]
        d["where"] = [line("", ln, "id") for ln in self.formulas.where]
        d["edges"] = [{"from": a, "to": b, "formula": t, "latex": latex(x, tex)}
                      for a, b, t, x in self.edges]
        if self.expanded is not None:
            d["expanded_status"] = self.expanded.status
        if self.checks is not None:
            d["check"] = {"passed": self.passed, "lines": [
                {"formula": c.left, "value": c.formula, "engine": c.engine, "ok": c.ok}
                for c in self.checks]}
        return d
