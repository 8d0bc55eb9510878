"""bpcalc descend: fit a formula's parameters by gradient descent, and watch it learn."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from . import common
from .common import ExprCommand, Source, View, read_text, request, source_options

if TYPE_CHECKING:
    from ..api.results import Descent


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
def descend(source: Source, params: str, data: str | None, lr: float, steps: int,
            optimizer: str, batch_size: int | None, until: float, every: int, fmt: str,
            as_json: bool, save_file: str | None, report: str | None,
            svg_file: str | None) -> None:
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

    loss = common.names(source.outputs, "--output")
    if loss and len(loss) > 1:
        raise click.UsageError("descend minimises one loss: --output names one output")
    if data == "-" and (source.file == "-" or (source.file is None
                                               and source.args[:1] == ("-",))):
        raise click.UsageError("the loss and the --data rows cannot both come from stdin")
    dsc.settings(lr, steps, every, until, optimizer)
    for path in (svg_file, save_file):
        if path:
            _writable(path)
    view = View(fmt=fmt, as_json=as_json,
                label="" if data is None else "stdin" if data == "-" else data)
    if as_json:
        view = view.replace(fmt="json")
    if view.fmt == "auto":
        view = view.replace(fmt="table" if common.stdout_is_terminal() else "json")
    req = request(source)
    start_given = _params(params)
    text = None if data is None else read_text(data)
    on_record = None
    if view.fmt == "jsonl":
        from ..render import json_text

        def on_record(record: dict[str, Any]) -> None:
            click.echo(json_text.render(record))
    progress = _progress(steps) if view.fmt in ("table", "plain") and sys.stderr.isatty() \
        else None
    from .. import api
    from .show import show

    try:
        r = api.run_descend(req, start_given, text, lr=lr, steps=steps, optimizer=optimizer,
                            batch_size=batch_size, until=until, every=every, report=report,
                            on_record=on_record, on_step=progress.update if progress else None)
    finally:
        if progress:
            progress.close()
    if save_file:
        from ..render import json_text

        common.write_text(save_file, json_text.render(r.result.folded(r.result.final.params))
                          + "\n")
    show(r, view)
    if svg_file:
        _save_svg(svg_file, r)
    if r.verdict == "interrupted":
        sys.exit(130)
    if r.verdict == "diverged":  # the run's report is out; the fit failed, as a math error
        sys.exit(1)


def _params(text: str) -> dict[str, Any]:
    """--params: NAME=VALUE pairs (arrays and fills too, drawn with --seed), or @FILE."""
    from ..api import start_values
    from ..text.values import point_object

    if text.startswith("@"):
        path = text[1:]
        return point_object(read_text(path), "standard input" if path == "-" else path)
    return start_values(text, common.seed())


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


def _save_svg(path: str, d: Descent) -> None:
    """--svg: the loss curve, and for two parameters their path over the loss surface
    (`d.svg()`, display.py)."""
    common.write_text(path, d.svg(digits=None))


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
