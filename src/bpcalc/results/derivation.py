"""What SymPy's derivative gave (`diff --expand`, `grad --mode symbolic`): each partial in
the inputs alone (formulas.py writes the factored ones, in the program's names)."""

from __future__ import annotations

from typing import NamedTuple


class Formula(NamedTuple):
    text: str | None  # bpcalc syntax (`a + 2*b + 1`); None when longer than max_chars
    latex: str | None
    exact: str | None = None  # its exact value at the point, when a point was given
    value: float | None = None  # that value as a double


class Partial(NamedTuple):
    output: str
    wrt: str
    inputs: Formula  # over the inputs' own names: SymPy's diff of the whole program


class Derivation(NamedTuple):
    expression: str
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]
    status: str  # "ok", or "skipped (...)" with no formulas
    budget: float | None
    point: dict[str, str | None] | None  # exact input values, when values were given
    partials: tuple[Partial, ...] = ()  # output-major, then wrt order

    @property
    def skipped(self) -> bool:
        return self.status.startswith("skipped")

    def partial(self, output: str, wrt: str) -> Partial:
        return next(p for p in self.partials if p.output == output and p.wrt == wrt)
