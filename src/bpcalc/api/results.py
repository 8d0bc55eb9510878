"""What the API's functions return: each command's result, with plain attributes read from
its JSON object (a family's numbers as nested lists under its name), `to_dict()` equal to
what the command prints with --format json, and `to_json()` the very text it prints in a
pipe. `.result` is the engine's own result, which the renderers draw.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..display import Shown
from ..errors import InputError

if TYPE_CHECKING:
    from ..cost import Cost as EngineCost
    from ..descent import Descent as EngineDescent
    from ..emitter import Emitted, LangCheck
    from ..emitter.loop_frames import LoopCode
    from ..formulas.index_diff import IndexDiff
    from ..graphs.graph import Graph as EngineGraph
    from ..results.check import CheckResult
    from ..results.exact import ExactResult
    from ..results.formulas import DiffResult
    from ..results.grad import GradResult
    from ..results.second import DirectionalResult, HessianResult
    from .request import Request


SURFACE_ROWS = 1000  # rows, evenly spaced, that a descent's loss surface averages


class Result(Shown):
    """A command's result: `to_dict()` (its JSON object), `to_json()` (its JSON text);
    `table()`, `svg()`, `html()`, `tikz()` and its look in a notebook (display.py)."""

    kind = ""  # the command: "grad", "graph", "cost", "hessian", "diff", "descend", ...
    result: Any  # the engine's result, which the renderers draw

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_json(self, pretty: bool = False) -> str:
        """The JSON text the command prints: compact in a pipe, `pretty` on a terminal."""
        from ..render import json_text

        return json_text.render(self.to_dict(), pretty)

    @cached_property
    def _data(self) -> dict[str, Any]:
        return self.to_dict()

    @property
    def warnings(self) -> list[str]:
        """What the command says on stderr beside its result."""
        return list(getattr(self.result, "warnings", ()))

    def __repr__(self) -> str:
        return f"<bpcalc.{type(self).__name__} of {self._data.get('expression', '')!r}>"


class Grad(Result):
    """`bpcalc grad`: values and derivatives of the outputs at the point, in one mode, with
    what `check`, `exact` and mode "symbolic" add (`.check`, `.exact`, `.symbolic`)."""

    kind = "grad"

    def __init__(self, result: GradResult, symbolic: DiffResult | IndexDiff | None = None,
                 check: CheckResult | None = None, exact: ExactResult | None = None,
                 drawn: str | None = None) -> None:
        self.result, self.symbolic, self.check, self.exact = result, symbolic, check, exact
        self.drawn = drawn  # the input whose tangents a forward-mode picture draws

    def _field(self, key: str) -> Any:
        return self.result.to_dict([key])[key] if key in self.result.fields() else None

    @property
    def expression(self) -> str:
        return self.result.expression

    @property
    def mode(self) -> str:
        return "symbolic" if self.symbolic is not None else self.result.mode

    @property
    def inputs(self) -> dict[str, Any]:
        """Every input's value (a family's as nested lists)."""
        return dict(self._field("inputs"))

    @property
    def outputs(self) -> list[str]:
        return list(self._field("outputs"))

    @property
    def values(self) -> dict[str, Any]:
        """Each output's value."""
        return dict(self._field("values"))

    @property
    def value(self) -> float | None:
        """The output's value (None when there are several: see `values`)."""
        return self._field("value")

    @property
    def gradient(self) -> dict[str, Any] | None:
        """∂output/∂input for each input differentiated by (None for several outputs:
        see `jacobian`)."""
        return self._field("gradient")

    @property
    def jacobian(self) -> dict[str, dict[str, Any]]:
        """output -> input -> derivative."""
        return dict(self._field("jacobian"))

    @property
    def path_count(self) -> dict[str, int] | None:
        """Paths mode: how many paths lead from each input to the output."""
        return self._field("path_count")

    def fields(self) -> list[str]:
        """The keys of `to_dict()`, in order (without the node list when nothing was
        added to the engine's result)."""
        mine = self.result.fields()
        if self.symbolic or self.check or self.exact:
            return [*mine, *(k for k in self.to_dict() if k not in mine)]
        return mine

    def to_dict(self, fields: Collection[str] | None = None,
                lazy: bool = False) -> dict[str, Any]:
        """The grad JSON object; `fields`: only these keys (an unknown one is an InputError
        that lists them); `lazy`: the node, edge and path lists made as they are written."""
        extras = self.symbolic or self.check or self.exact
        data = self.result.to_dict(None if extras else fields, lazy=lazy and not extras)
        if self.exact is not None:
            data = self.exact.merge(data)
        if self.symbolic is not None:
            data = {**data, "mode": "symbolic", "symbolic": self.symbolic.to_dict()}
            del data["symbolic"]["schema"], data["symbolic"]["version"]
        if self.check is not None:
            data["check"] = self.check.to_dict()
        if fields is not None:
            mine = self.result.fields()
            known = [*mine, *(k for k in data if k not in mine)]
            unknown = [k for k in fields if k not in known]
            if unknown:
                raise InputError(f"no field {', '.join(unknown)}; this output has: "
                                 + ", ".join(known))
            data = {k: v for k, v in data.items() if k in fields}
        return data


class Directional(Result):
    """`bpcalc grad --direction` (a JVP) or `--cotangent` (a VJP): one pass."""

    kind = "directional"

    def __init__(self, result: DirectionalResult) -> None:
        self.result = result

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    @property
    def values(self) -> dict[str, Any]:
        return dict(self._data["values"])

    @property
    def derivative(self) -> dict[str, Any]:
        """JVP: J·v per output; VJP: uᵀJ per input."""
        return dict(self._data["directional" if self.result.kind == "jvp" else "vjp"])


class Graph(Result):
    """`bpcalc graph`: the nodes and edges (with values, and each node's derivative for a
    mode, when a point was given); `.cost` is `bpcalc cost` on the same graph."""

    kind = "graph"

    def __init__(self, result: GradResult, graph: EngineGraph, wrt: Sequence[str] | None) -> None:
        self.result, self._graph, self._wrt = result, graph, wrt

    def to_dict(self) -> dict[str, Any]:
        return self.to_lazy_dict(lazy=False)

    def to_lazy_dict(self, lazy: bool = True) -> dict[str, Any]:
        d = self.result.graph_dict()
        return d if lazy else {k: list(v) if k in ("nodes", "edges") else v
                               for k, v in d.items()}

    @property
    def expression(self) -> str:
        return self.result.expression

    @property
    def inputs(self) -> dict[str, Any]:
        return dict(self._data["inputs"])

    @property
    def outputs(self) -> list[str]:
        return list(self._data["outputs"])

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return list(self._data["nodes"])

    @property
    def edges(self) -> list[dict[str, Any]]:
        return list(self._data["edges"])

    @cached_property
    def cost(self) -> Cost:
        """What each mode costs on this graph (`bpcalc cost`)."""
        from ..analysis import wrt_inputs
        from ..cost import cost

        return Cost(cost(self._graph, list(wrt_inputs(self._graph, self._wrt).values())),
                    self.result.expression, self.result.outputs)


class Cost(Result):
    """`bpcalc cost`: passes and edge operations of each mode, paths counted exactly."""

    kind = "cost"

    def __init__(self, cost: EngineCost, expression: str, outputs: Sequence[str]) -> None:
        self.result, self.expression, self.outputs = cost, expression, tuple(outputs)

    def to_dict(self) -> dict[str, Any]:
        return self.result.document(self.expression)


class Hessian(Result):
    """`bpcalc hessian`: the value, gradient and all second derivatives of one output."""

    kind = "hessian"

    def __init__(self, result: HessianResult, graph: EngineGraph, point: Mapping[str, Any]
                 ) -> None:
        self.result, self._graph, self._point = result, graph, point

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    @property
    def value(self) -> float:
        return self.result.value

    @property
    def gradient(self) -> dict[str, Any]:
        return dict(self._data["gradient"])

    @property
    def hessian(self) -> dict[str, Any]:
        """row input -> column input -> ∂²output/∂row∂column."""
        return dict(self._data["hessian"])

    @cached_property
    def graph(self) -> Graph:
        """The function's graph at the point, for its pictures."""
        from ..analysis import analyse

        return Graph(analyse(self._graph, self._point, None), self._graph, None)


class Diff(Result):
    """`bpcalc diff`: backpropagation as formulas in the program's names (for a family
    program, index formulas: an IndexDiff)."""

    kind = "diff"

    def __init__(self, result: DiffResult | IndexDiff) -> None:
        self.result = result

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    @property
    def gradient(self) -> dict[str, str] | None:
        """Each partial's formula (one output; None for several: see `to_dict()`)."""
        g = self._data.get("gradient")
        return None if g is None else {w: d["formula"] for w, d in g.items()}

    @property
    def passed(self) -> bool:
        """With `check`: every formula agreed with the engine at the point."""
        return self.result.passed


class Code(Result):
    """`bpcalc emit`: the derivative as one self-contained function's source; `.checks`
    after `checked()`: how it ran in each language against the engine."""

    kind = "emit"

    def __init__(self, emitted: Emitted | LoopCode, lang: str, mode: str, request: Request,
                 vector: bool = False,
                 looped: tuple[list[str], str] | None = None) -> None:
        self.result, self.lang, self.mode = emitted, lang, mode
        self._request, self._vector, self._looped = request, vector, looped
        self.checks: tuple[LangCheck, ...] | None = None

    @property
    def code(self) -> str:
        return self.result.code

    @property
    def function(self) -> str:
        """The function's name, such as f_grad."""
        return self.result.function

    def checked(self) -> Code:
        """This code, having run it in every language present (Python in-process, C
        through cc, JavaScript through node) at the request's point, or at random points,
        against the engine: `.checks`, and `.passed`."""
        from ..emitter import check, check_loops

        req = self._request
        if self._looped is not None:  # loops: checked against the engine's gradient
            wrt, name = self._looped
            self.checks = check_loops(req.program, req.graph, req.point or None, wrt, name)
            return self
        self.checks = check(req.program, req.point or None, mode=self.mode,
                            wrt=list(self.result.wrt), outputs=req.outputs,
                            vector=self._vector)
        return self

    @property
    def passed(self) -> bool:
        """No language's run disagreed with the engine (True before `checked()`)."""
        return not any(c.status == "mismatch" for c in self.checks or ())

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "mode": self.mode, "function": self.function,
                "code": self.code}

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"<bpcalc.Code {self.function} in {self.lang}>"


class Descent(Result):
    """`bpcalc descend`: the run of gradient descent, its history and verdict."""

    kind = "descend"

    def __init__(self, result: EngineDescent, graph: EngineGraph, rows: list[tuple[float, ...]],
                 columns: list[str], constants: Mapping[str, Any]) -> None:
        self.result, self.graph, self.rows = result, graph, rows
        self.columns, self.constants = columns, constants

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    @property
    def params(self) -> dict[str, Any]:
        """The learned parameters (a family's as nested lists)."""
        return dict(self._data["params"])

    @property
    def loss(self) -> float:
        return self.result.final.loss

    @property
    def steps(self) -> int:
        return self.result.final.step

    @property
    def verdict(self) -> str:
        """"converged", "stopped", "diverged" or "interrupted"."""
        return self.result.verdict

    @property
    def message(self) -> str:
        return self.result.message

    @property
    def history(self) -> list[dict[str, Any]]:
        return list(self._data["history"])

    def surface(self) -> tuple[Callable[[float, float], float] | None, int]:
        """The mean loss as a function of the two parameters that learn, for the picture
        of the descent (None unless exactly two learn), and how many rows, evenly spaced,
        it averages (at most SURFACE_ROWS)."""
        from .. import descent

        rows = self.rows
        sample = (rows or [()])[::max(1, -(-len(rows) // SURFACE_ROWS))]
        if len(self.result.start) != 2:
            return None, len(sample) if rows else 0
        a, b = list(self.result.start)
        loss = descent.objective(self.graph, [a, b], self.columns, self.constants).call

        def surface(x: float, y: float) -> float:
            try:
                return loss({a: x, b: y}, sample)[0]
            except (ArithmeticError, ValueError):
                return float("nan")
        return surface, len(sample) if rows else 0

    def __repr__(self) -> str:
        return f"<bpcalc.Descent of {self.result.loss_text!r}: {self.verdict}>"
