"""Results of `bpcalc hessian` and of `grad --direction` / `--cotangent`, with to_dict()."""

from __future__ import annotations

from typing import Any, NamedTuple

VERSION = 1


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "bpcalc/hessian",
            "version": VERSION,
            "expression": self.expression,
            "inputs": self.inputs,
            "output": self.output,
            "value": self.value,
            "gradient": self.gradient,
            "hessian": self.hessian,
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

    def to_dict(self) -> dict[str, Any]:
        jvp_kind = self.kind == "jvp"
        return {
            "schema": "bpcalc/directional",
            "version": VERSION,
            "expression": self.expression,
            "inputs": self.inputs,
            "outputs": list(self.outputs),
            "values": self.values,
            "direction" if jvp_kind else "cotangent": self.seed,
            "directional" if jvp_kind else "vjp": self.derivative,
            "cost": {"mode": "forward" if jvp_kind else "reverse", "passes": 1,
                     "edge_ops": self.edge_ops},
            "warnings": list(self.warnings),
        }
