"""`bpcalc descend`: gradient descent on a loss, from the shell (issue 16).

The objective is the mean of LOSS over the data rows (or over a mini-batch of them, drawn
with the seed); its gradient with respect to the parameters is bpcalc's own reverse mode,
compiled once into one Python loop over the rows (emit.mean_over_rows), so a step over
10^4 rows costs what a hand-written loop does. Each step updates every parameter by the
optimizer's rule; the run stops when the gradient's norm falls to `until` (converged),
after `steps` steps, or when the loss or a parameter stops being finite (diverged: the
last finite parameters are kept).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from .analysis import Analysis
from .errors import InputError, MathError
from .graphs.graph import Graph
from .results.fold import Folding

OPTIMIZERS = ("sgd", "momentum", "adam")
MOMENTUM = 0.9
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


class Record(NamedTuple):
    step: int  # 0: the start; k: after k updates
    loss: float
    grad_norm: float
    params: dict[str, float]


class FirstUpdate(NamedTuple):
    """The first step's update, for the text view to write out."""

    params: dict[str, float]  # before
    gradient: dict[str, float]
    after: dict[str, float]


class Descent(NamedTuple):
    loss_text: str
    optimizer: str
    lr: float
    rows: int  # data rows (1 without data)
    batch_size: int | None
    start: dict[str, float]
    records: tuple[Record, ...]  # every `every` steps, the start and the end included
    final: Record
    verdict: str  # "converged", "stopped", "diverged", "interrupted"
    diverged_at: int | None = None
    first: FirstUpdate | None = None
    diverged_why: str = ""  # what happened at diverged_at
    warnings: tuple[str, ...] = ()
    output: str = ""  # the loss's name in the program
    folding: Folding | None = None  # the program's families, folded in JSON and on screen
    report: dict[str, float] = {}  # --report NAME: its mean over the rows at the end

    @property
    def message(self) -> str:
        """The one-line verdict. With mini-batches, the run stops on the last mini-batch's
        gradient, and `final` holds the loss and gradient over all rows."""
        f, last = self.final, self.records[-1]
        whole = "" if self.batch_size is None else \
            f"; over all {self.rows:,} rows: loss {f.loss:.6g}, gradient norm {f.grad_norm:.3g}"
        norm = "the gradient's norm" if self.batch_size is None else \
            "the mini-batch gradient's norm"
        if self.verdict == "converged" and f.step == 0:
            return (f"converged at the start: {norm}, {last.grad_norm:.3g}, is at most "
                    f"--until" + (whole or f"; loss {f.loss:.6g}"))
        if self.verdict == "converged":
            return (f"converged: {norm} fell to {last.grad_norm:.3g} at step {f.step}"
                    + (whole or f", loss {f.loss:.6g}"))
        if self.verdict == "stopped":
            return (f"stopped at --steps {f.step}: "
                    + (f"loss {f.loss:.6g}, {norm} still {last.grad_norm:.3g}" if not whole
                       else f"{norm} still {last.grad_norm:.3g}{whole}"))
        if self.verdict == "interrupted":
            return (f"interrupted (Ctrl-C) at step {f.step}: loss {f.loss:.6g}; the parameters "
                    "shown are the state reached")
        return (f"diverged at step {self.diverged_at}: {self.diverged_why}; the parameters "
                f"shown are the last finite ones (step {f.step}). Try a smaller learning rate "
                f"than --lr {self.lr:g}.")

    def folded(self, params: Mapping[str, float]) -> dict[str, Any]:
        """Parameters with each family's as nested lists under its name."""
        return dict(params) if self.folding is None else self.folding.mapping(params)

    def to_dict(self) -> dict[str, Any]:
        f = self.final
        d = {"schema": "bpcalc/descend", "version": 2, "loss_expression": self.loss_text,
             "optimizer": self.optimizer, "lr": self.lr, "rows": self.rows,
             "batch_size": self.batch_size, "start": self.folded(self.start),
             "verdict": self.verdict, "diverged_at": self.diverged_at, "steps": f.step,
             "params": self.folded(f.params), "loss": f.loss, "grad_norm": f.grad_norm,
             "message": self.message, "warnings": list(self.warnings),
             "history": [record_dict(r, self.folding) for r in self.records]}
        if self.report:
            d["report"] = self.report
        return d


def record_dict(r: Record, folding: Folding | None = None) -> dict[str, Any]:
    params = r.params if folding is None else folding.mapping(r.params)
    return {"step": r.step, "loss": r.loss, "grad_norm": r.grad_norm, "params": params}


def settings(lr: float, steps: int, every: int, until: float, optimizer: str) -> None:
    """Check the run's numbers, each on its own (InputError)."""
    if optimizer not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not (math.isfinite(lr) and lr > 0):
        raise InputError(f"--lr must be a finite number above 0, got {lr:g}")
    if not (math.isfinite(until) and until >= 0):
        raise InputError(f"--until must be a finite number, 0 or more, got {until:g}")
    if steps < 0:
        raise InputError("--steps must be 0 or more")
    if every < 1:
        raise InputError("--every must be 1 or more")


# --- the descent -----------------------------------------------------------------------

class Objective(NamedTuple):
    call: Callable[..., tuple[float, tuple[float, ...]]]  # (params, rows) -> mean, grads
    output: str  # the loss's name
    why: Callable[..., str]  # (params, rows, all rows): see `objective`
    graph: Graph


def loss_graph(program: Analysis, output: str | None = None) -> Graph:
    """The graph whose one output is the loss: `output`, or the last statement."""
    return program.graph([output] if output else None)


def check_params(graph: Graph, params: Sequence[str]) -> list[str]:
    """The loss's inputs, having checked that every parameter is one of them."""
    from .analysis import input_list

    inputs = [n for n, _ in graph.inputs]
    known = set(inputs)
    unknown = [p for p in params if p not in known]
    if unknown:
        has = f"its inputs are: {input_list(graph)}" if inputs else "it has no inputs"
        raise InputError(f"--params names {', '.join(unknown)}, not an input of the loss; {has}")
    return inputs


def start_values(graph: Graph, given: Mapping[str, Any]) -> dict[str, float]:
    """--params as numbers, one an element (having checked each names an input)."""
    from .text.values import numbers

    check_params(graph, list(given))
    return numbers(given)


def report(program: Analysis, name: str, params: Mapping[str, float],
           rows: list[tuple[float, ...]], columns: Sequence[str],
           constants: Mapping[str, str | float]) -> dict[str, float]:
    """--report NAME: the mean of the program's value NAME over the rows, at `params`."""
    graph = program.graph([name])
    inputs = set(graph.input_at)
    used = {k: v for k, v in params.items() if k in inputs}
    obj = objective(graph, list(used), [c for c in columns if c in inputs],
                    {k: v for k, v in constants.items() if k in inputs})
    cols = [k for k, c in enumerate(columns) if c in inputs]
    try:
        value, _ = obj.call(used, [tuple(row[k] for k in cols) for row in rows] or [()])
    except (ArithmeticError, ValueError):
        raise MathError(f"math error: --report {name} cannot be computed at the end") from None
    return {name: value}


def objective(graph: Graph, params: Sequence[str], columns: Sequence[str],
              constants: Mapping[str, str | float]) -> Objective:
    """The compiled mean loss and gradient (see the module)."""
    from .analysis import point
    from .emitter import mean_over_rows

    inputs = check_params(graph, params)
    clash = [c for c in constants if c in params]
    if clash:
        raise InputError(f"{', '.join(clash)} is a parameter (it learns): give its start in "
                         "--params, not as NAME=VALUE")
    rest = [n for n in inputs if n not in params and n not in constants]
    cols = [n for n in columns if n in inputs and n not in params] if columns else rest
    missing = [n for n in rest if n not in cols]
    if missing:
        raise InputError(f"no value for {', '.join(missing)}: give it as NAME=VALUE or as a "
                         "data column")
    order = [n for n in inputs if n not in cols]  # params and constants, in input order
    env: dict[str, Any] = {}
    exec(compile(mean_over_rows(graph, list(params), cols), "<bpcalc descend objective>",
                 "exec"), env)  # generated by emit.py from the graph and the op table
    call = env["objective_grad"]
    at = point(graph, dict(constants)) if constants else {}

    def run(theta: Mapping[str, float], rows: Sequence[tuple[float, ...]]) -> tuple[
            float, tuple[float, ...]]:
        both = {**at, **theta}
        return call(*[both[n] for n in order], rows)

    def why(theta: Mapping[str, float], rows: Sequence[tuple[float, ...]],
            data: Sequence[tuple[float, ...]]) -> str:
        """What the engine says where the compiled loop raised: the first of `rows` whose
        loss or gradient it cannot compute, and why (with its place among `data`)."""
        from .analysis import analyse

        for row in rows:
            try:
                analyse(graph, {**at, **theta, **dict(zip(cols, row))}, "reverse", params,
                        limit=0, wide=False)
            except MathError as exc:
                said = str(exc).removeprefix("math error ")
                return said + (f" (data row {data.index(row) + 1})" if cols else "")
        return "the loss or its gradient is not a finite number there"

    return Objective(run, graph.outputs[0][0], why, graph)


class _Step(NamedTuple):
    loss: float
    grads: dict[str, float]
    norm: float
    why: str  # "" when loss, gradient and norm are finite numbers


class _Ended(NamedTuple):
    verdict: str
    last: Record
    records: list[Record]
    first: FirstUpdate | None
    diverged_at: int | None
    why: str


def descend(program: Analysis, start: Mapping[str, float], rows: list[tuple[float, ...]],
            columns: Sequence[str], constants: Mapping[str, str | float], *, lr: float = 0.1,
            steps: int = 1000, optimizer: str = "sgd", batch_size: int | None = None,
            until: float = 1e-9, seed: int = 0, every: int = 1, output: str | None = None,
            on_record: Callable[[Record], None] | None = None,
            on_step: Callable[[int, float], None] | None = None) -> Descent:
    """Run gradient descent (see the module). `on_record` gets every recorded step as it
    happens (JSON Lines), `on_step` (step, loss) every step (a progress bar). Ctrl-C ends
    the run with the state reached (verdict "interrupted"). A loss or gradient that is
    not finite at the start is a MathError: there is nothing to descend from."""
    settings(lr, steps, every, until, optimizer)
    if batch_size is not None and batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    obj = objective(loss_graph(program, output), list(start), columns, constants)
    data = rows if rows else [()]
    warnings: list[str] = []
    if batch_size is not None and batch_size >= len(data):
        warnings.append(f"--batch-size {batch_size} is not below the {len(data):,} rows: "
                        "every step uses them all")
        batch_size = None
    rng = random.Random(seed)

    def batch() -> Sequence[tuple[float, ...]]:
        return data if batch_size is None else rng.sample(data, batch_size)

    step = _stepper(obj, list(start), data)
    theta = dict(start)
    for sample in ([data] if batch_size is not None else []) + [batch()]:  # all rows too
        now = step(theta, sample)
        if now.why:
            raise MathError(f"math error at the start, {_params_text(theta)}: {now.why}; "
                            "there is nothing to descend from")
    end = _loop(theta, now, step, batch, _Rule(optimizer, lr, list(start)), steps, until,
                every, on_record, on_step)
    final = end.last
    if batch_size is not None:  # the final numbers over all rows
        whole = step(final.params, data)
        if whole.why:
            end = end._replace(verdict="diverged", diverged_at=final.step,
                               why=f"over all rows, {whole.why}")
        else:
            final = final._replace(loss=whole.loss, grad_norm=whole.norm)
    return Descent(program.source, optimizer, lr, len(rows) or 1, batch_size, dict(start),
                   tuple(end.records), final, end.verdict, end.diverged_at, end.first, end.why,
                   tuple(warnings), obj.output, Folding.of(obj.graph))


def _stepper(obj: Objective, names: list[str], data: Sequence[tuple[float, ...]]) -> Callable[
        [Mapping[str, float], Sequence[tuple[float, ...]]], _Step]:
    """The loss, gradient and norm at the parameters over rows (some of `data`), and why
    not if they are not finite numbers there."""
    def step(params: Mapping[str, float], sample: Sequence[tuple[float, ...]]) -> _Step:
        try:
            loss, grads = obj.call(params, sample)
        except (ArithmeticError, ValueError):
            return _Step(math.nan, {}, math.nan, obj.why(params, sample, data))
        norm = math.hypot(*grads)  # no overflow or underflow on the way
        if math.isfinite(loss) and math.isfinite(norm):
            return _Step(loss, dict(zip(names, grads)), norm, "")
        what, bad = ("the loss", loss) if not math.isfinite(loss) else \
            ("the gradient's norm", norm)
        word = "NaN" if bad != bad else "infinite"
        return _Step(loss, dict(zip(names, grads)), norm, f"{what} is {word} there")

    return step


def _loop(theta: dict[str, float], now: _Step,
          step: Callable[[Mapping[str, float], Sequence[tuple[float, ...]]], _Step],
          batch: Callable[[], Sequence[tuple[float, ...]]], rule: _Rule, steps: int,
          until: float, every: int, on_record: Callable[[Record], None] | None,
          on_step: Callable[[int, float], None] | None) -> _Ended:
    """Steps from `theta` (updated in place) until converged, --steps, divergence or
    Ctrl-C: how it ended, and every recorded step."""
    last = Record(0, now.loss, now.norm, dict(theta))
    records = [last]
    if on_record:
        on_record(last)
    first: FirstUpdate | None = None
    verdict, diverged_at, why, k = "stopped", None, "", 0
    try:
        while True:
            if now.norm <= until:
                verdict = "converged"
                break
            if k >= steps:
                break
            k += 1
            before = dict(theta)
            rule.update(theta, now.grads, k)
            if first is None:
                first = FirstUpdate(before, dict(now.grads), dict(theta))
            bad = [n for n, v in theta.items() if not math.isfinite(v)]
            now = step(theta, batch()) if not bad else \
                _Step(math.nan, {}, math.nan, f"{', '.join(bad)} became "
                      f"{'NaN' if theta[bad[0]] != theta[bad[0]] else 'infinite'}")
            if now.why:
                verdict, diverged_at, why = "diverged", k, now.why
                break
            last = Record(k, now.loss, now.norm, dict(theta))
            if on_step:
                on_step(k, now.loss)
            if k % every == 0:
                records.append(last)
                if on_record:
                    on_record(last)
    except KeyboardInterrupt:
        verdict = "interrupted"
    if records[-1] != last:
        records.append(last)
        if on_record:
            on_record(last)
    return _Ended(verdict, last, records, first, diverged_at, why)


class _Rule:
    """The optimizer's update, with its state per parameter (momentum's velocity; adam's
    two moments)."""

    def __init__(self, optimizer: str, lr: float, names: list[str]) -> None:
        self.optimizer, self.lr = optimizer, lr
        self.state = {n: [0.0, 0.0] for n in names}

    def update(self, theta: dict[str, float], grads: Mapping[str, float], step: int) -> None:
        """One step of the rule, in place."""
        lr = self.lr
        for n, g in grads.items():
            s = self.state[n]
            if self.optimizer == "sgd":
                theta[n] -= lr * g
            elif self.optimizer == "momentum":
                s[0] = MOMENTUM * s[0] + g
                theta[n] -= lr * s[0]
            else:
                s[0] = BETA1 * s[0] + (1 - BETA1) * g
                s[1] = BETA2 * s[1] + (1 - BETA2) * g * g
                hat1 = s[0] / (1 - BETA1 ** step)
                hat2 = s[1] / (1 - BETA2 ** step)
                theta[n] -= lr * hat1 / (math.sqrt(hat2) + EPS)


def _params_text(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k} = {v:.6g}" for k, v in params.items())
