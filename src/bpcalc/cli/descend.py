"""bpcalc descend: fit a formula's parameters by gradient descent, and watch it learn."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from . import common
from .common import ExprCommand, load_given, print_json, read_text, source_options

if TYPE_CHECKING:
    from ..descent import Descent
    from ..graphs.graph import Graph


@click.command(cls=ExprCommand)
@source_options(output_help="The program name that is the loss (default: the last "
                            "statement).")
@click.option("--params", required=True, metavar="W=0,B=0",
              help="The inputs that learn, with their starting values: numbers, arrays "
                   "(x=[1,2]), fills that give a family its shape and values "
                   "(W1[16,2]=uniform(-1,1), b1=0, normal(0,0.1); drawn with --seed), or "
                   "@FILE, a JSON object such as --save writes.")
@click.option("--data", metavar="FILE",
              help="Rows of the other inputs (CSV with a header, or JSON Lines; '-' for "
                   "stdin): the loss is their mean.")
@click.option("--lr", type=float, default=0.1, show_default=True, help="The learning rate η.")
@click.option("--steps", type=click.IntRange(min=0), default=1000, show_default=True,
              help="At most this many updates.")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam"]), default="sgd",
              show_default=True, help="sgd: p ← p − η·g; momentum 0.9; adam (0.9, 0.999, 1e-8).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Each step on this many rows drawn with --seed (default: all rows).")
@click.option("--until", type=click.FloatRange(min=0), default=1e-9, show_default=True,
              help="Converged when the gradient's norm falls to this.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Record (and, with jsonl, print) every K-th step.")
@click.option("--format", "fmt", type=click.Choice(["auto", "table", "plain", "json", "jsonl"]),
              default="auto", show_default=True,
              help="auto: the text view and a loss curve on a terminal, JSON otherwise; "
                   "jsonl: one line a recorded step, as it runs.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--save", "save_file", metavar="FILE",
              help="Also write the learned parameters as JSON (families as nested lists), "
                   "which --params @FILE reads back.")
@click.option("--report", metavar="NAME",
              help="Also the mean of the program's value NAME over all rows at the end, "
                   "e.g. an accuracy, acc = (y*score > 0).")
@click.option("--svg", "svg_file", metavar="FILE",
              help="Also save the loss curve (and for two parameters their path over the "
                   "loss) as an SVG picture.")
def descend(args: tuple[str, ...], file: str | None, outputs: str | None, params: str,
            data: str | None, lr: float, steps: int, optimizer: str, batch_size: int | None,
            until: float, every: int, fmt: str, as_json: bool, save_file: str | None,
            report: str | None, svg_file: str | None) -> None:
    """Gradient descent on LOSS: learn the --params from the --data rows.

    The objective is the mean of LOSS over the rows (or a mini-batch of them);
    every step takes its gradient by bpcalc's reverse mode, compiled once into
    one loop over the rows, and moves each parameter against it. On a terminal
    a progress bar runs on stderr; then the first update is written out, the
    loss curve, the final parameters and a verdict (converged, stopped at
    --steps, or diverged with the last finite parameters). In a pipe: JSON.
    Ctrl-C stops and prints the state reached (exit 130).

    \b
    Examples:
      bpcalc descend "(w*x + b - y)^2" --params w=0,b=0 --data examples/line.csv
      bpcalc descend "(w*x + b - y)^2" --params w=0,b=0 --data examples/line.csv \\
          --optimizer adam --lr 0.05 --steps 500 --format jsonl | jq '.loss // empty'
      bpcalc descend -f examples/xor.txt --params "$(cat examples/xor.params)" \\
          --data examples/xor.csv --lr 0.5 --steps 2000
      bpcalc descend -f examples/moons.txt --data examples/moons.csv --steps 100 --lr 0.5 \\
          --params "W1[16,2]=uniform(-1,1), b1=0, W2[16,16]=uniform(-1,1), b2=0, \\
                    w3[16]=uniform(-1,1), b3=0" --output loss --report acc --save net.json
      bpcalc descend -f examples/moons.txt --data examples/moons.csv --params @net.json \\
          --output loss --steps 0 --report acc
    """
    from .. import descent as dsc

    loss = common.names(outputs, "--output")
    if loss and len(loss) > 1:
        raise click.UsageError("descend minimises one loss: --output names one output")
    if data == "-" and (file == "-" or (file is None and args[:1] == ("-",))):
        raise click.UsageError("the loss and the --data rows cannot both come from stdin")
    dsc.settings(lr, steps, every, until, optimizer)
    for path in (svg_file, save_file):
        if path:
            _writable(path)
    if as_json:
        fmt = "json"
    if fmt == "auto":
        fmt = "table" if common.stdout_is_terminal() else "json"
    from ..compile.points import shapes

    program, given = load_given(args, file)
    start_given = _params(params)
    text = None if data is None else read_text(data)
    first = _first(text)
    program = program.with_shapes({**start_given, **(shapes(first) if first else {})})
    constants = program.flat(given)
    graph = dsc.loss_graph(program, loss[0] if loss else None)
    start = dsc.start_values(graph, program.flat(start_given))
    columns, rows = _data(graph, text, start, constants)
    on_record = None
    if fmt == "jsonl":
        from ..render import json_text
        from ..results.fold import Folding

        folding = Folding.of(graph)

        def on_record(r: dsc.Record) -> None:
            click.echo(json_text.render(dsc.record_dict(r, folding)))
    progress = _progress(steps) if fmt in ("table", "plain") and sys.stderr.isatty() else None
    try:
        r = dsc.descend(program, start, rows, columns, constants, lr=lr, steps=steps,
                        optimizer=optimizer, batch_size=batch_size, until=until, seed=common.seed(),
                        every=every, output=loss[0] if loss else None, on_record=on_record,
                        on_step=progress.update if progress else None)
    finally:
        if progress:
            progress.close()
    if report:
        r = r._replace(report=dsc.report(program, report, r.final.params, rows, columns,
                                         constants))
    if save_file:
        from ..render import json_text

        common.write_text(save_file, json_text.render(r.folded(r.final.params)) + "\n")
    _show(r, fmt, "" if data is None else "stdin" if data == "-" else data)
    if svg_file:
        _save_svg(svg_file, r, graph, rows, columns, constants)
    if r.verdict == "interrupted":
        sys.exit(130)
    if r.verdict == "diverged":  # the run's report is out; the fit failed, as a math error
        sys.exit(1)


def _params(text: str) -> dict[str, Any]:
    """--params: NAME=VALUE pairs (arrays and fills too, drawn with --seed), or @FILE."""
    from ..text.arrays import Fill, seeded
    from ..text.values import parse_pairs, point_object

    if text.startswith("@"):
        path = text[1:]
        return point_object(read_text(path), "standard input" if path == "-" else path)
    given = parse_pairs(text, "--params", families=True)
    return seeded(given, common.seed()) if any(type(v) is Fill for v in given.values()) \
        else given


def _first(text: str | None) -> str | None:
    """The first line of the data that is not blank."""
    from ..compile.points import first_line

    return None if text is None else first_line(iter(text.splitlines()))[1]


def _data(graph: Graph, text: str | None, start: dict[str, float],
          constants: dict[str, str | float]) -> tuple[list[str], list[tuple[float, ...]]]:
    """The data's columns (the loss's inputs that neither learn nor have a value) and rows,
    read as --batch reads its points."""
    from .. import descent as dsc
    from ..analysis import point
    from ..compile.points import read_rows
    from ..errors import InputError

    inputs = dsc.check_params(graph, list(start))
    free = [n for n in inputs if n not in start and n not in constants]
    if text is None:
        if free:
            raise InputError(f"no value for {', '.join(free)}: give --data rows or NAME=VALUE")
        return [], []
    given = {**point(graph, constants), **start}
    return free, read_rows(graph, given, free, text.splitlines(), list(start))


def _show(r: Descent, fmt: str, label: str) -> None:
    """The result as JSON, as the JSON Lines' last line, or as the text view."""
    if fmt == "json":
        print_json(r.to_dict())
    elif fmt == "jsonl":
        from ..render import json_text

        click.echo(json_text.render({"final": {k: v for k, v in r.to_dict().items()
                                               if k != "history"}}))
    else:
        from ..numbers import SCREEN_DIGITS, showing
        from ..render import descend_view
        from ..render.plain import width

        with showing(SCREEN_DIGITS):
            click.echo("\n".join(descend_view.lines(r, label, width(), plain=fmt == "plain")))


def _writable(path: str) -> None:
    """Refuse an --svg path that cannot be written before the run, not after it."""
    import os

    from ..errors import InputError

    if path == "-":
        common.write_text(path, "")  # its message: stdout has the command's own output
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK) \
            or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise InputError(f"cannot write {path}: " + ("it is a folder" if os.path.isdir(path)
                                                    else "no such folder, or not writable"))


SURFACE_ROWS = 1000  # rows, evenly spaced, that the picture's loss surface averages


def _save_svg(path: str, r: Descent, graph: Graph, rows: list[tuple[float, ...]],
              columns: list[str], constants: dict[str, str | float]) -> None:
    from .. import descent as dsc
    from ..render import descend_view

    surface = None
    sample = (rows or [()])[::max(1, -(-len(rows) // SURFACE_ROWS))]
    if len(r.start) == 2:
        obj = dsc.objective(graph, list(r.start), columns, constants)
        a, b = list(r.start)

        def surface(x: float, y: float) -> float:
            try:
                return obj.call({a: x, b: y}, sample)[0]
            except (ArithmeticError, ValueError):
                return float("nan")
    common.write_text(path, descend_view.svg(r, surface, len(sample) if rows else 0))


class _progress:
    """A progress bar with the current loss, on stderr, gone when the run ends."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("step {task.completed}/{task.total}"), BarColumn(),
                            TextColumn("loss {task.fields[loss]}"), transient=True,
                            console=Console(stderr=True))
        self.task = self.bar.add_task("descend", total=total, loss="…")
        self.bar.start()

    def update(self, step: int, loss: float) -> None:
        if step % 10 == 0:
            self.bar.update(self.task, completed=step, loss=f"{loss:.4g}")

    def close(self) -> None:
        self.bar.stop()
