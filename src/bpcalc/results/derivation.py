"""What `diff` and `grad --mode symbolic` computed: formulas per partial and per edge."""

from __future__ import annotations

from typing import Any, NamedTuple


class Formula(NamedTuple):
    text: str | None  # bpcalc syntax (`a + 2*b + 1`); None when longer than max_chars
    latex: str | None
    exact: str | None = None  # its exact value at the point, when a point was given
    value: float | None = None  # that value as a double

    def to_dict(self, prefix: str = "") -> dict[str, Any]:
        d: dict[str, Any] = {f"{prefix}formula": self.text, f"{prefix}latex": self.latex}
        if self.exact is not None or self.value is not None:
            d[f"{prefix}exact"], d[f"{prefix}value"] = self.exact, self.value
        return d


class Partial(NamedTuple):
    output: str
    wrt: str
    inputs: Formula  # over the inputs' own names: SymPy's diff of the whole program
    intermediate: Formula  # over node ids: reverse accumulation of the edges' local formulas


class EdgeFormula(NamedTuple):
    src: str
    dst: str
    local: Formula  # d(dst)/d(src) over the ids of dst's operands


class Derivation(NamedTuple):
    expression: str
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]
    status: str  # "ok", "unsimplified (time budget)", or "skipped (...)" with no formulas
    budget: float | None
    point: dict[str, str | None] | None  # exact input values, when values were given
    partials: tuple[Partial, ...] = ()  # output-major, then wrt order
    edges: tuple[EdgeFormula, ...] = ()  # in graph order

    @property
    def skipped(self) -> bool:
        return self.status.startswith("skipped")

    def partial(self, output: str, wrt: str) -> Partial:
        return next(p for p in self.partials if p.output == output and p.wrt == wrt)

    def diff_dict(self) -> dict[str, Any]:
        """The `bpcalc diff` JSON object."""
        return {"schema": "bpcalc/diff", "version": 1, "expression": self.expression,
                **self.to_dict()}

    def to_dict(self) -> dict[str, Any]:
        """The `symbolic` JSON object (for `grad --mode symbolic` and `diff`)."""
        d: dict[str, Any] = {"status": self.status, "budget": self.budget}
        if self.point is not None:
            d["point"] = self.point
        jac: dict[str, dict[str, Any]] = {o: {} for o in self.outputs}
        for p in self.partials:
            jac[p.output][p.wrt] = {**p.inputs.to_dict(), **p.intermediate.to_dict("intermediate_")}
        d["jacobian"] = jac
        if len(self.outputs) == 1:
            d["gradient"] = jac[self.outputs[0]]
        d["edges"] = [{"from": e.src, "to": e.dst, **e.local.to_dict()} for e in self.edges]
        return d


