"""Results of `bpcalc hessian` and of `grad --direction` / `--cotangent`, with to_dict()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .fold import Folding

VERSION = 2  # 2: a family's numbers are nested lists under its name (results/fold.py)


def _fold(folding: Folding | None, d: dict[str, Any], inner: bool = False) -> Any:
    return d if folding is None else folding.mapping(d, inner)


class HessianResult(NamedTuple):
    expression: str
    inputs: dict[str, float]
    wrt: tuple[str, ...]
    output: str  # the output key
    value: float
    gradient: dict[str, float]  # wrt input -> derivative
    hessian: dict[str, dict[str, float]]  # row input -> column input -> second derivative
    passes: int  # forward-over-reverse passes: one per wrt input
    edge_ops: int
    warnings: tuple[str, ...] = ()
    folding: Folding | None = None

    def to_dict(self) -> dict[str, Any]:
        f = self.folding
        return {
            "schema": "bpcalc/hessian",
            "version": VERSION,
            "expression": self.expression,
            "inputs": _fold(f, self.inputs),
            "output": self.output,
            "value": self.value,
            "gradient": _fold(f, self.gradient),
            "hessian": _fold(f, self.hessian, inner=True),
            "cost": {"passes": self.passes, "edge_ops": self.edge_ops},
            "warnings": list(self.warnings),
        }


class DirectionalResult(NamedTuple):
    expression: str
    kind: str  # "jvp" (--direction) or "vjp" (--cotangent)
    inputs: dict[str, float]
    outputs: tuple[str, ...]
    values: dict[str, float]  # value of each output
    seed: dict[str, float]  # jvp: direction per input; vjp: cotangent per output (zeros shown)
    derivative: dict[str, float]  # jvp: per output; vjp: per input
    edge_ops: int  # one pass, each edge used once
    warnings: tuple[str, ...] = ()
    folding: Folding | None = None

    def to_dict(self) -> dict[str, Any]:
        jvp_kind = self.kind == "jvp"
        f = self.folding
        return {
            "schema": "bpcalc/directional",
            "version": VERSION,
            "expression": self.expression,
            "inputs": _fold(f, self.inputs),
            "outputs": list(self.outputs) if f is None else f.keys(self.outputs),
            "values": _fold(f, self.values),
            "direction" if jvp_kind else "cotangent": _fold(f, self.seed),
            "directional" if jvp_kind else "vjp": _fold(f, self.derivative),
            "cost": {"mode": "forward" if jvp_kind else "reverse", "passes": 1,
                     "edge_ops": self.edge_ops},
            "warnings": list(self.warnings),
        }
