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

import csv
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .analysis import Analysis
from .errors import InputError, MathError
from .text.values import numbers

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
    diverged_loss: float = math.nan  # the loss at diverged_at: inf or NaN

    @property
    def message(self) -> str:
        f = self.final
        if self.verdict == "converged":
            return (f"converged: the gradient's norm fell to {f.grad_norm:.3g} at step {f.step}, "
                    f"loss {f.loss:.6g}")
        if self.verdict == "stopped":
            return (f"stopped at --steps {f.step}: loss {f.loss:.6g}, the gradient's norm "
                    f"still {f.grad_norm:.3g}")
        if self.verdict == "interrupted":
            return f"interrupted at step {f.step}: loss {f.loss:.6g}, the state reached is above"
        return (f"diverged: the loss became {_word(self.diverged_loss)} at step "
                f"{self.diverged_at}; the parameters shown are the last finite ones (step "
                f"{f.step}). Try a smaller learning rate than --lr {self.lr:g}.")

    def to_dict(self) -> dict[str, Any]:
        f = self.final
        return {"schema": "bpcalc/descend", "version": 1, "loss_expression": self.loss_text,
                "optimizer": self.optimizer, "lr": self.lr, "rows": self.rows,
                "batch_size": self.batch_size, "start": self.start, "verdict": self.verdict,
                "diverged_at": self.diverged_at, "steps": f.step, "params": f.params,
                "loss": f.loss, "grad_norm": f.grad_norm,
                "history": [record_dict(r) for r in self.records]}


def record_dict(r: Record) -> dict[str, Any]:
    return {"step": r.step, "loss": r.loss, "grad_norm": r.grad_norm, "params": r.params}


def _word(x: float) -> str:
    return "NaN (or a parameter did)" if x != x else "infinite"


# --- data ------------------------------------------------------------------------------

def read_rows(lines: Iterable[str], columns: Sequence[str]) -> list[tuple[float, ...]]:
    """Data rows as tuples in `columns` order: CSV with a header, or JSON Lines (the
    format is told by the first non-blank line, as --batch tells it). Every bad line is
    reported, `line N: why`, in one InputError."""
    rows: list[tuple[float, ...]] = []
    errors: list[str] = []
    header: list[str] | None = None
    kind = ""
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        if not kind:
            kind = "jsonl" if text.startswith("{") else "csv"
            if kind == "csv":
                header = next(csv.reader([text]))
                missing = [c for c in columns if c not in header]
                extra = [h for h in header if h not in columns]
                if missing or extra:
                    raise InputError(
                        f"line {n}: the header " + (f"lacks {', '.join(missing)}" if missing
                                                    else "")
                        + ("; " if missing and extra else "")
                        + (f"names {', '.join(extra)}, not an input of the loss nor a "
                           "parameter" if extra else ""))
                continue
        try:
            if kind == "jsonl":
                try:
                    point = json.loads(text)
                except (json.JSONDecodeError, RecursionError):
                    raise InputError("not a JSON object such as {\"x\": 1}") from None
                if type(point) is not dict:
                    raise InputError("not a JSON object such as {\"x\": 1}")
                unknown = [k for k in point if k not in columns]
                if unknown:
                    raise InputError(f"{', '.join(unknown)} is not an input of the loss")
                missing = [c for c in columns if c not in point]
                if missing:
                    raise InputError(f"missing {', '.join(missing)}")
                got = {k: v if isinstance(v, str) else repr(v) for k, v in point.items()}
            else:
                cells = next(csv.reader([text]))
                assert header is not None
                if len(cells) != len(header):
                    raise InputError(f"{len(cells)} cells where the header has {len(header)}")
                got = dict(zip(header, cells))
            values = numbers(got)
            rows.append(tuple(values[c] for c in columns))
        except InputError as exc:
            errors.append(f"line {n}: {exc}")
            if len(errors) >= 20:
                errors.append("(more lines not checked)")
                break
    if errors:
        raise InputError("bad data:\n  " + "\n  ".join(errors))
    if kind and not rows:
        raise InputError("the data has no rows")
    return rows


# --- the descent -----------------------------------------------------------------------

class Objective(NamedTuple):
    call: Callable[..., tuple[float, tuple[float, ...]]]  # (params..., fixed..., rows)
    params: tuple[str, ...]
    columns: tuple[str, ...]  # the data's inputs, in row order
    fixed: tuple[float, ...]  # NAME=VALUE inputs, in the function's order


def check_params(program: Analysis, params: Sequence[str]) -> list[str]:
    """The loss's inputs, having checked that every parameter is one of them."""
    inputs = [n for n, _ in program.graph().inputs]
    unknown = [p for p in params if p not in inputs]
    if unknown:
        raise InputError(f"--params names {', '.join(unknown)}, not an input of the loss; its "
                         f"inputs are: {', '.join(inputs)}")
    return inputs


def objective(program: Analysis, params: Sequence[str], columns: Sequence[str],
              constants: Mapping[str, str | float]) -> Objective:
    """The compiled mean loss and gradient (see the module)."""
    from .analysis import point
    from .emit import mean_over_rows

    graph = program.graph()
    inputs = check_params(program, params)
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
    fixed_names = [n for n in inputs if n not in cols]
    source = mean_over_rows(graph, list(params), cols)
    env: dict[str, Any] = {}
    exec(compile(source, "<bpcalc descend objective>", "exec"), env)  # generated by emit.py
    at = point(graph, dict(constants)) if constants else {}
    fixed = tuple(at[n] for n in fixed_names if n not in params)
    order = [n for n in fixed_names]  # params and constants, in the graph's input order
    call = env["objective_grad"]
    positions = {n: k for k, n in enumerate(order)}

    def run(theta: Mapping[str, float], rows: Sequence[tuple[float, ...]]) -> tuple[
            float, tuple[float, ...]]:
        argv: list[float] = [0.0] * len(order)
        for n, v in theta.items():
            argv[positions[n]] = v
        k = 0
        for n in order:
            if n not in theta:
                argv[positions[n]] = fixed[k]
                k += 1
        return call(*argv, rows)

    return Objective(run, tuple(params), tuple(cols), fixed)


def descend(program: Analysis, start: Mapping[str, float], rows: list[tuple[float, ...]],
            columns: Sequence[str], constants: Mapping[str, str | float], *, lr: float = 0.1,
            steps: int = 1000, optimizer: str = "sgd", batch_size: int | None = None,
            until: float = 1e-9, seed: int = 0, every: int = 1,
            on_record: Callable[[Record], None] | None = None,
            on_step: Callable[[int, float], None] | None = None) -> Descent:
    """Run gradient descent (see the module). `on_record` gets every recorded step as it
    happens (JSON Lines), `on_step` (step, loss) every step (a progress bar). Ctrl-C ends
    the run with the state reached (verdict "interrupted")."""
    if optimizer not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if lr <= 0 or steps < 0 or every < 1 or until < 0:
        raise InputError("--lr must be > 0, --steps >= 0, --every >= 1 and --until >= 0")
    obj = objective(program, list(start), columns, constants)
    data = rows if rows else [()]
    if batch_size is not None and not 1 <= batch_size:
        raise InputError("--batch-size must be at least 1")
    rng = random.Random(seed)
    theta = dict(start)
    names = list(theta)
    velocity = {n: 0.0 for n in names}
    m1 = {n: 0.0 for n in names}
    m2 = {n: 0.0 for n in names}
    records: list[Record] = []
    first = None
    verdict, diverged_at, bad_loss = "stopped", None, math.nan

    def evaluate(params: Mapping[str, float], sample: Sequence[tuple[float, ...]]) -> tuple[
            float, dict[str, float]]:
        try:
            loss, grads = obj.call(params, sample)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise MathError(f"math error at the parameters {_params_text(params)}: {exc}") \
                from None
        return loss, dict(zip(names, grads))

    def batch() -> Sequence[tuple[float, ...]]:
        if batch_size is None or batch_size >= len(data):
            return data
        return rng.sample(data, batch_size)

    loss, grads = evaluate(theta, batch())
    norm = math.sqrt(sum(g * g for g in grads.values()))
    last = Record(0, loss, norm, dict(theta))
    records.append(last)
    if on_record:
        on_record(last)
    step = 0
    try:
        while True:
            if norm <= until:
                verdict = "converged"
                break
            if step >= steps:
                break
            step += 1
            before = dict(theta)
            for n in names:
                g = grads[n]
                if optimizer == "sgd":
                    theta[n] -= lr * g
                elif optimizer == "momentum":
                    velocity[n] = MOMENTUM * velocity[n] + g
                    theta[n] -= lr * velocity[n]
                else:
                    m1[n] = BETA1 * m1[n] + (1 - BETA1) * g
                    m2[n] = BETA2 * m2[n] + (1 - BETA2) * g * g
                    hat1 = m1[n] / (1 - BETA1 ** step)
                    hat2 = m2[n] / (1 - BETA2 ** step)
                    theta[n] -= lr * hat1 / (math.sqrt(hat2) + EPS)
            if first is None:
                first = FirstUpdate(before, dict(grads), dict(theta))
            try:
                loss, grads = evaluate(theta, batch())
            except MathError:
                loss = math.nan
            norm = math.sqrt(sum(g * g for g in grads.values())) if loss == loss else math.nan
            if not (math.isfinite(loss) and all(map(math.isfinite, theta.values()))
                    and math.isfinite(norm)):
                verdict, diverged_at, bad_loss = "diverged", step, loss
                break
            last = Record(step, loss, norm, dict(theta))
            if on_step:
                on_step(step, loss)
            if step % every == 0:
                records.append(last)
                if on_record:
                    on_record(last)
    except KeyboardInterrupt:
        verdict = "interrupted"
    if records[-1] != last:
        records.append(last)
        if on_record:
            on_record(last)
    if batch_size is not None and batch_size < len(data) and verdict != "diverged":
        full_loss, full_grads = evaluate(last.params, data)  # the final numbers over all rows
        last = last._replace(loss=full_loss, grad_norm=math.sqrt(
            sum(g * g for g in full_grads.values())))
    return Descent(program.source, optimizer, lr, len(rows) or 1, batch_size, dict(start),
                   tuple(records), last, verdict, diverged_at, first, bad_loss)


def _params_text(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k} = {v:.6g}" for k, v in params.items())
