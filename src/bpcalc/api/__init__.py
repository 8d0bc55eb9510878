"""bpcalc from Python: the command line's commands as functions.

Each function takes the expression or program text and its values (keywords, or a
`point` mapping for names that are not Python identifiers or clash with an option) and
returns a result whose attributes are the numbers the command prints, whose `to_dict()`
is its JSON object and `to_json()` its JSON text:

>>> import bpcalc
>>> r = bpcalc.grad("(a+b)*(b+1)", a=2, b=1)
>>> r.value, r.gradient
(6.0, {'a': 2.0, 'b': 5.0})
>>> r.to_json()[:52]
'{"schema": "bpcalc/grad", "version": 2, "expression"'

Bad input raises `bpcalc.InputError`, a math error at the point `bpcalc.MathError`, each
with the message the command line prints after "Error: ".

The `run_*` functions take a Request (request.py) that the command line builds from its
own arguments: one path from arguments to results for both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .request import Names, Request, merged, python_values, request
from .results import Code, Cost, Descent, Diff, Directional, Grad, Graph, Hessian, Result

if TYPE_CHECKING:
    from ..descent import Record

__all__ = ["Code", "Cost", "Descent", "Diff", "Directional", "Grad", "Graph", "Hessian",
           "Request", "Result", "descend", "diff", "directional", "emit", "grad", "graph",
           "hessian", "request"]

GRAD_MODES = ("reverse", "forward", "paths", "symbolic")
PATH_LIMIT = 1000  # paths listed in JSON (the spec's default for scripts)
Point = Mapping[str, Any] | None


def grad(expr: str, point: Point = None, /, *, mode: str = "reverse", wrt: Names = None,
         output: Names = None, check: bool = False, exact: bool = False,
         limit: int = PATH_LIMIT, seed: int = 0, **values: Any) -> Grad:
    """Differentiate `expr` at the point, as `bpcalc grad` does.

    `mode`: "reverse", "forward", "paths" or "symbolic" (reverse, with each partial as a
    formula, `.symbolic`); `wrt`, `output`: names ("x,y" or a list); `check`: also
    finite differences and SymPy's derivative (`.check`); `exact`: every number in exact
    arithmetic too (`.exact`); `limit`: paths listed in paths mode; `seed`: for values
    drawn at random ("uniform(-1,1)").

    >>> import bpcalc
    >>> bpcalc.grad("(a+b)*(b+1)", a=2, b=1, mode="paths").path_count
    {'a': 1, 'b': 2}
    >>> r = bpcalc.grad("r = sqrt(x*x + y*y); phi = atan(y/x)", x=0.6, y=0.8, output="r,phi")
    >>> round(r.jacobian["phi"]["x"], 12)
    -0.8
    >>> bpcalc.grad("sum(w[i]*x[i] for i)", w=[1, 2, 3], x=[0.5, -1, 2]).gradient
    {'w': [0.5, -1.0, 2.0], 'x': [1.0, 2.0, 3.0]}
    >>> bpcalc.grad("sin(x)", x="pi/2").gradient["x"] < 1e-15
    True
    >>> bpcalc.grad("y = log(x)", x=-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    bpcalc.errors.MathError: math error at node y = log(x): log is undefined here: it needs x > 0...
    """
    return run_grad(request(expr, merged(point, values), wrt=wrt, output=output, mode=mode,
                            seed=seed), check=check, exact=exact, limit=limit)


def run_grad(req: Request, *, check: bool = False, exact: bool = False,
             limit: int = PATH_LIMIT, rtol: float = 1e-9, atol: float = 1e-12,
             budget: float = 5.0, with_cost: bool = False) -> Grad:
    """`grad` for a request; `rtol`, `atol`: the check's tolerances; `budget`: seconds
    allowed for SymPy; `with_cost`: what each mode costs (the text view shows it)."""
    from .. import analysis

    mode = req.mode or "reverse"
    if mode not in GRAD_MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(GRAD_MODES)}")
    ad_mode = "reverse" if mode == "symbolic" else mode
    at = req.point  # the values first, then the graph, as every command reads them
    result = analysis.grad(req.graph, at, ad_mode, req.wrt, limit, with_cost=with_cost)
    program, wrt, outputs = req.program, req.wrt, req.outputs
    symbolic = checked = exactly = None
    if mode == "symbolic":
        from ..formulas import diff as differentiate

        symbolic = differentiate(program, at, wrt=wrt, outputs=outputs, expand=True,
                                 budget=budget)
    if check:
        from ..symbolic.check import check as check_

        checked = check_(program, at, mode=ad_mode, wrt=wrt, outputs=outputs, rtol=rtol,
                         atol=atol, budget=budget, limit=limit)
    if exact:
        from ..symbolic.exact import exact as exact_

        exactly = exact_(program, at, mode=ad_mode, wrt=wrt, outputs=outputs, budget=budget)
    return Grad(result, symbolic, checked, exactly, drawn=wrt[0] if wrt else None)


def directional(expr: str, point: Point = None, /, *,
                direction: str | Mapping[str, Any] | None = None,
                cotangent: str | Mapping[str, Any] | None = None, wrt: Names = None,
                output: Names = None, seed: int = 0, **values: Any) -> Directional:
    """One forward pass along `direction` (a Jacobian-vector product), or one reverse pass
    with a `cotangent` per output (a vector-Jacobian product): `bpcalc grad --direction`
    and `--cotangent`.

    >>> import bpcalc
    >>> bpcalc.directional("f = x*y + sin(x)", x=0, y=2, direction={"x": 1, "y": -2}).derivative
    {'f': 3.0}
    """
    req = request(expr, merged(point, values), wrt=wrt, output=output, seed=seed)
    return run_directional(req, _pairs(direction), _pairs(cotangent))


def _pairs(given: str | Mapping[str, Any] | None) -> str | dict[str, Any] | None:
    return python_values(given) if isinstance(given, Mapping) else given


def run_directional(req: Request, direction: str | Mapping[str, Any] | None,
                    cotangent: str | Mapping[str, Any] | None) -> Directional:
    from .. import second

    return Directional(second.directional_result(
        req.program, req.point, direction=direction, cotangent=cotangent,
        outputs=req.outputs, wrt=req.wrt))


def graph(expr: str, point: Point = None, /, *, mode: str | None = None, wrt: Names = None,
          output: Names = None, seed: int = 0, **values: Any) -> Graph:
    """The graph of `expr` alone (`bpcalc graph`): nodes, definitions, edges and local
    derivatives, with their numbers when every input has a value, and each node's adjoint
    or tangent with `mode` "reverse" or "forward". `.cost` is `bpcalc cost` (for `wrt`).

    >>> import bpcalc
    >>> g = bpcalc.graph("c = a + b; d = b + 1; e = c * d")
    >>> [(e["from"], e["to"], e["local"]) for e in g.edges]
    [('a', 'c', '1'), ('b', 'c', '1'), ('b', 'd', '1'), ('c', 'e', 'd'), ('d', 'e', 'c')]
    >>> g.cost.to_dict()["modes"]["paths"]
    {'paths': 3, 'edge_ops': 6}
    """
    req = request(expr, merged(point, values), wrt=wrt, output=output, mode=mode, seed=seed)
    return run_graph(req)


def run_graph(req: Request, with_cost: bool = False) -> Graph:
    """`graph` for a request: with values if any were given (or a mode asks for them)."""
    from .. import analysis

    at = req.point
    result = analysis.analyse(req.graph, at if at or req.mode else None, mode=req.mode,
                              wrt=req.wrt, with_cost=with_cost)
    return Graph(result, req.graph, req.wrt)


def hessian(expr: str, point: Point = None, /, *, wrt: Names = None, output: Names = None,
            seed: int = 0, **values: Any) -> Hessian:
    """All second derivatives of one output (`bpcalc hessian`), forward-over-reverse on
    bpcalc's own graph.

    >>> import bpcalc
    >>> bpcalc.hessian("(a+b)*(b+1)", a=2, b=1).hessian
    {'a': {'a': 0.0, 'b': 1.0}, 'b': {'a': 1.0, 'b': 2.0}}
    """
    return run_hessian(request(expr, merged(point, values), wrt=wrt, output=output,
                               seed=seed))


def run_hessian(req: Request) -> Hessian:
    from .. import second

    h = second.hessian_result(req.program, req.point, wrt=req.wrt, output=req.outputs)
    return Hessian(h, req.program.graph([h.output] if req.outputs else None), req.point)


def diff(expr: str, point: Point = None, /, *, wrt: Names = None, output: Names = None,
         check: bool = False, expand: bool = False, budget: float = 5.0, seed: int = 0,
         **values: Any) -> Diff:
    """Backpropagation as formulas (`bpcalc diff`); with values, each formula's value
    there, `check`ed against the engine's; `expand`: SymPy's derivative in the inputs.

    >>> import bpcalc
    >>> bpcalc.diff("c = a + b; d = b + 1; e = c * d").gradient
    {'a': 'd', 'b': 'c + d'}
    """
    return run_diff(request(expr, merged(point, values), wrt=wrt, output=output, seed=seed),
                    check=check, expand=expand, budget=budget)


def run_diff(req: Request, *, check: bool = False, expand: bool = False,
             budget: float = 5.0) -> Diff:
    from ..formulas import diff as differentiate

    return Diff(differentiate(req.program, req.point or None, wrt=req.wrt,
                              outputs=req.outputs, check=check, expand=expand, budget=budget))


def emit(expr: str, point: Point = None, /, *, lang: str = "python", mode: str = "reverse",
         wrt: Names = None, output: Names = None, name: str = "f", direction: bool = False,
         cotangent: bool = False, check: bool = False, seed: int = 0, **values: Any) -> Code:
    """The derivative as one self-contained function (`bpcalc emit`) in "python", "c" or
    "js"; `direction` (forward mode) a JVP function, `cotangent` (reverse) a VJP;
    `check`: run it in every language present against the engine (`.checks`), at the
    point given or at random points.

    >>> import bpcalc
    >>> print(bpcalc.emit("(a+b)*(b+1)", lang="c").code.splitlines()[0])
    #include <math.h>
    """
    req = request(expr, merged(point, values), wrt=wrt, output=output, mode=mode, seed=seed)
    code = run_emit(req, lang=lang, name=name, direction=direction, cotangent=cotangent)
    return code.checked() if check else code


def run_emit(req: Request, *, lang: str = "python", name: str = "f", direction: bool = False,
             cotangent: bool = False) -> Code:
    from .. import emitter
    from ..analysis import wrt_inputs

    mode = req.mode or "reverse"
    if direction and cotangent:
        raise InputError("direction (a JVP) and cotangent (a VJP) are two functions: "
                         "choose one")
    if (direction and mode != "forward") or (cotangent and mode != "reverse"):
        raise InputError("a JVP (direction) is a forward pass and a VJP (cotangent) a "
                         "reverse one: give the mode that goes with it")
    req.point  # noqa: B018 (the values are read before the graph, as every command does)
    graph = req.graph
    wrt_t = list(wrt_inputs(graph, req.wrt))
    emitted = emitter.emit(graph, lang, mode, wrt_t, name, direction=wrt_t if direction else None,
                           cotangent=[o for o, _ in graph.outputs] if cotangent else None)
    return Code(emitted, lang, mode, req, direction or cotangent)


Rows = str | os.PathLike[str] | Sequence[Mapping[str, Any]] | None


def descend(expr: str, params: str | Mapping[str, Any], /, data: Rows = None, *,
            output: str | None = None, lr: float = 0.1, steps: int = 1000,
            optimizer: str = "sgd", batch_size: int | None = None, until: float = 1e-9,
            every: int = 1, report: str | None = None, seed: int = 0,
            **values: Any) -> Descent:
    """Gradient descent on the mean of the loss `expr` over the `data` rows (`bpcalc
    descend`): `params` the inputs that learn with their start ({"w": 0}, "w=0,b=0", or
    fills "W1[16,2]": "uniform(-1,1)"); `data`: rows as mappings, CSV or JSON Lines text,
    or a path (pathlib.Path) to such a file; other inputs' values as keywords.

    >>> import bpcalc
    >>> rows = [{"x": 1, "y": 3}, {"x": 2, "y": 5}, {"x": 3, "y": 7}]
    >>> r = bpcalc.descend("(w*x + b - y)^2", {"w": 0, "b": 0}, rows, steps=2000)
    >>> r.verdict, round(r.params["w"], 6), round(r.params["b"], 6)
    ('converged', 2.0, 1.0)
    """
    req = request(expr, python_values(values), output=output, seed=seed)
    return run_descend(req, start_values(params, seed), _rows(data), lr=lr, steps=steps,
                       optimizer=optimizer, batch_size=batch_size, until=until, every=every,
                       report=report)


def start_values(given: str | Mapping[str, Any], seed: int) -> dict[str, Any]:
    """--params: NAME=VALUE pairs separated by commas, or a mapping; fills drawn with `seed`."""
    from ..text.arrays import Fill, seeded
    from ..text.values import parse_pairs

    start = parse_pairs(given, "--params", families=True) if isinstance(given, str) else \
        python_values(given)
    return seeded(start, seed) if any(type(v) is Fill for v in start.values()) else start


def _rows(data: Rows) -> str | None:
    """The data as text, as the command line reads a --data file."""
    if data is None or isinstance(data, str):
        return data
    if isinstance(data, os.PathLike):
        with open(data, encoding="utf-8-sig") as fh:
            return fh.read()
    import json

    return "\n".join(json.dumps(dict(row)) for row in data)


def run_descend(req: Request, start_given: Mapping[str, Any], text: str | None, *,
                lr: float = 0.1, steps: int = 1000, optimizer: str = "sgd",
                batch_size: int | None = None, until: float = 1e-9, every: int = 1,
                report: str | None = None,
                on_record: Callable[[dict[str, Any]], None] | None = None,
                on_step: Callable[[int, float], None] | None = None) -> Descent:
    """`descend` for a request whose program is not read yet: its families take their
    shapes from the parameters and the data's first row. `on_record` gets each recorded
    step's JSON object as it happens, `on_step` (step, loss) every step."""
    from .. import descent as dsc
    from ..compile.points import first_line, read_rows, shapes
    from ..results.fold import Folding

    dsc.settings(lr, steps, every, until, optimizer)
    loss = req.outputs[0] if req.outputs else None
    if req.outputs and len(req.outputs) > 1:
        raise InputError("descend minimises one loss: --output names one output")
    first = None if text is None else first_line(iter(text.splitlines()))[1]
    program = req.program.with_shapes({**start_given, **(shapes(first) if first else {})})
    constants = program.flat(req.given)
    graph = dsc.loss_graph(program, loss)
    start = dsc.start_values(graph, program.flat(start_given))
    inputs = dsc.check_params(graph, list(start))
    columns = [n for n in inputs if n not in start and n not in constants]
    if text is None:
        if columns:
            raise InputError(f"no value for {', '.join(columns)}: give --data rows or "
                             "NAME=VALUE")
        rows: list[tuple[float, ...]] = []
    else:
        from ..analysis import point

        rows = read_rows(graph, {**point(graph, constants), **start}, columns,
                         text.splitlines(), list(start))
    recorded = None
    if on_record is not None:
        folding, said = Folding.of(graph), on_record

        def recorded(r: Record) -> None:
            said(dsc.record_dict(r, folding))
    r = dsc.descend(program, start, rows, columns, constants, lr=lr, steps=steps,
                    optimizer=optimizer, batch_size=batch_size, until=until, seed=req.seed,
                    every=every, output=loss, on_record=recorded, on_step=on_step)
    if report:
        r = r._replace(report=dsc.report(program, report, r.final.params, rows, columns,
                                         constants))
    return Descent(r, graph, rows, columns, constants)

