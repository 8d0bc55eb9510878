"""bpcalc grad: the gradient in one mode, and what --check, --exact, --mode symbolic,
--direction, --cotangent and --batch add to it.

The command's jobs, each a function: the gradient (`grad`: one request, one engine call
through the API, one `show`), the options that do not go together (`_refuse`), the
directional derivatives (`_directional`) and the batch of points (`_batch`).
"""

from __future__ import annotations

import sys

import click

from ..errors import InputError
from .common import (
    JSON_PATH_LIMIT,
    SCREEN_PATH_LIMIT,
    VIEW_FORMATS,
    ExprCommand,
    Source,
    View,
    collect,
    names,
    reject_given,
    request,
    source_options,
    view_options,
)
from .options import Verify


@click.command(cls=ExprCommand)
@source_options
@click.option("--mode", type=click.Choice(["reverse", "forward", "paths", "symbolic"]),
              default="reverse", show_default=True,
              help="How derivatives accumulate; all modes give the same gradient. symbolic: "
                   "also each partial and edge as a formula (SymPy).")
@click.option("--wrt", metavar="X,Y", help="Only these inputs' derivatives.")
@click.option("--check", "check", is_flag=True,
              help="Verify the gradient three ways: this mode, finite differences and "
                   "SymPy's derivative; exit 1 if AD and SymPy disagree.")
@click.option("--rtol", type=click.FloatRange(min=0), default=1e-9, show_default=True,
              help="--check: relative tolerance.")
@click.option("--atol", type=click.FloatRange(min=0), default=1e-12, show_default=True,
              help="--check: absolute tolerance.")
@click.option("--exact", is_flag=True,
              help="Also every value and derivative in exact arithmetic (1/3, sqrt(2), pi).")
@click.option("--latex", is_flag=True, help="--mode symbolic: formulas as LaTeX.")
@click.option("--budget", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="Time allowed for SymPy; past it that part is skipped.")
@click.option("--batch", metavar="FILE",
              help="Differentiate at every point of FILE ('-' for stdin): JSON Lines "
                   "({\"a\": 2, \"b\": 1}) or CSV with a header; one JSON line out per point. "
                   "NAME=VALUE arguments apply to every point.")
@click.option("--limit", type=click.IntRange(min=0),
              help="Paths mode: list at most this many paths; all are still counted "
                   f"[default: {JSON_PATH_LIMIT} in JSON, {SCREEN_PATH_LIMIT} on screen].")
@click.option("--fields", metavar="F,G",
              help="JSON: only these top-level keys, such as value,gradient (a big graph "
                   "then writes no node list); the default is the whole object.")
@click.option("--steps", is_flag=True,
              help="Also show the pass as a numbered trace, one line a step.")
@click.option("--direction", metavar="X=1,Y=-2",
              help="The directional derivative along this vector (a Jacobian-vector "
                   "product): one forward pass.")
@click.option("--cotangent", metavar="F=1,G=0.5",
              help="The vector-Jacobian product with this weight per output: one reverse pass.")
@view_options(VIEW_FORMATS + ("tikz",), "auto: tables on a terminal, JSON in a pipe or "
                                         "file; plain: text without box drawing; tikz: the "
                                         "drawing for LaTeX.", pictures=True)
@collect(Verify, "verify")
@click.pass_context
def grad(ctx: click.Context, source: Source, view: View, verify: Verify, mode: str,
         wrt: str | None, batch: str | None, limit: int | None, direction: str | None,
         cotangent: str | None) -> None:
    """Differentiate EXPR at the point NAME=VALUE ... and show how.

    EXPR is an expression such as "(a+b)*(b+1)" or a program of statements
    separated by newlines or ';' (name = expr, name += expr, -= *= /=; '#'
    starts a comment); the output is the last statement unless --output names
    others. Give '-' as EXPR to read it from stdin. An expression starting
    with '-' goes after '--'. A VALUE may be a constant expression (x=pi/4).

    Operators: + - * / and ** or ^ (power, right-associative; -x**2 is
    -(x**2)). Functions: sin cos tan asin acos atan sinh cosh tanh exp log
    log2 log10 sqrt abs sigmoid relu softplus, pow(x,y) max(x,y) min(x,y).
    Constant: pi. At kinks, relu'(0) = abs'(0) = 0 and max/min ties give 0.5
    to each side; a kink hit is reported. Comparisons (a > b), <, >=, <= are 1
    or 0.

    Families: x[i], W[j,i] (from 1); h[j] = ... defines every element, its
    range from the shapes of what j indexes (or ... for t in 2..T); sum, prod,
    mean, max, min over an index (sum(w[i]*x[i] for i), for i in 1..n) or over
    every element (sum(W), sum(p^2 for p in W1, W2)); functions sq(u) = u*u.
    Values: x=[1,2], W=[[1,2],[3,4]], W[16,2]=uniform(-1,1), normal(0,1), b=0
    (drawn with --seed); a size such as n=10 is a whole number.

    \b
    Examples:
      bpcalc grad "(a+b)*(b+1)" a=2 b=1
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode forward --steps
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode paths --wrt b
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --format tree
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --svg seed.svg --html seed.html
      bpcalc grad 'c = a + b; d = b + 1; e = c * d' a=2 b=1
      bpcalc grad 'r = sqrt(x*x + y*y); phi = atan(y/x)' x=0.6 y=0.8 --output r,phi
      bpcalc grad -- "-x**2" x=3
      bpcalc grad -f model.txt w=0.5 b=-1
      bpcalc grad "sin(x)*y" x=pi/4 y=2 | jq .gradient
      bpcalc grad -f big.txt --point point.json --fields value,gradient
      bpcalc grad "x*y + sin(x)" x=1 y=2 --direction x=1,y=-2
      bpcalc grad 'f = x*y; g = x + y' x=1 y=2 --cotangent f=1,g=0.5
      bpcalc grad "sin(x)*exp(y)" x=pi/6 y=0 --check
      bpcalc grad "x*x*y" x=1/3 y=2 --exact
      bpcalc grad 'c = a + b; d = b + 1; e = c * d' a=2 b=1 --mode symbolic --latex
      bpcalc grad "sum(w[i]*x[i] for i) + b" w=[1,2,3] x=[0.5,-1,2] b=0
      bpcalc grad "p[c] = exp(z[c]) / sum(exp(z[k]) for k); L = -log(p[2])" z=[1,2,3]
      bpcalc grad "(a+b)*(b+1)" --batch points.jsonl > gradients.jsonl
      bpcalc grad "(w*x - y)^2" --batch data.csv w=0.5 --wrt w

    Exit status: 0 on success, 2 for bad input, 1 for a math error at the point
    (3 would mean a bug in bpcalc).
    """
    if batch is not None:
        _batch(ctx, source, batch, mode, wrt)
        return
    view = view.chosen()
    if direction is not None or cotangent is not None:
        _directional(ctx, source, wrt, direction, cotangent, view)
        return
    _refuse(view, verify, mode)
    if limit is None:
        limit = JSON_PATH_LIMIT if view.fmt == "json" else SCREEN_PATH_LIMIT
    from .. import api
    from .show import show

    r = api.run_grad(request(source, wrt=wrt, mode=mode), check=verify.check,
                     exact=verify.exact, limit=limit, rtol=verify.rtol, atol=verify.atol,
                     budget=verify.budget, with_cost=view.fmt != "json")
    show(r, view)
    if r.check is not None and r.check.exit_code:
        click.echo(f"Error: --check failed: {'; '.join(r.check.failures)}", err=True)
        sys.exit(r.check.exit_code)


def _refuse(view: View, verify: Verify, mode: str) -> None:
    """The options that do not go together with the format or the mode."""
    if view.fmt == "tikz" and (verify.check or verify.exact or mode == "symbolic"
                               or view.steps):
        raise click.UsageError("--format tikz draws the graph alone; --check, --exact, "
                               "--steps and --mode symbolic go with the text views")
    if view.latex and mode != "symbolic":
        raise click.UsageError("--latex goes with --mode symbolic (or the diff command)")
    if names(view.fields, "--fields") is not None and view.fmt != "json":
        raise click.UsageError("--fields selects keys of the JSON output; it needs JSON "
                               "(--json, or a pipe)")


def _batch(ctx: click.Context, source: Source, path: str, mode: str, wrt: str | None) -> None:
    """grad --batch: the graph is built and checked once, then every point is one JSON line."""
    reject_given(ctx, {"file", "point", "batch", "mode", "wrt", "outputs", "fmt", "as_json",
                       "color"},
                 "--batch (which writes one JSON line per point)")
    if ctx.params["fmt"] not in ("auto", "json"):
        raise click.UsageError("--batch writes JSON Lines; --format does not apply")
    if mode == "symbolic":
        raise click.UsageError("--batch takes --mode reverse, forward or paths")
    if path == "-" and (source.file == "-" or (source.file is None
                        and source.args[:1] == ("-",))):
        raise click.UsageError("the expression and the --batch points cannot both come from stdin")
    if path == "-" and ctx.meta.get("bpcalc.point") == "-":
        raise click.UsageError("--point and the --batch points cannot both come from stdin")
    from ..compile import batch as batch_mod

    req = request(source, wrt=wrt, mode=mode)  # a family's shape may come with a row
    try:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    bar = None
    if path != "-" and sys.stderr.isatty():
        bar = click.progressbar(length=batch_mod.count_lines(path), file=sys.stderr,
                                label="points")
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        if bar is not None and n > done:
            bar.update(n - done)
            done = n

    try:
        with stream:
            summary = batch_mod.run_batch(req.program, stream, constants=req.given, mode=mode,
                                          wrt=req.wrt, outputs=req.outputs,
                                          progress=progress,
                                          chunk=1 if stream.isatty() else batch_mod.CHUNK)
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    finally:
        if bar is not None:  # transient: the bar's line cleared, the cursor shown again
            sys.stderr.write("\r\033[2K\033[?25h")
            sys.stderr.flush()
    if summary.failed:
        click.echo(f"Error: {summary.failed} of {summary.points} points failed "
                   "(see their error lines)", err=True)
        sys.exit(1)


def _directional(ctx: click.Context, source: Source, wrt: str | None, direction: str | None,
                 cotangent: str | None, view: View) -> None:
    """grad --direction / --cotangent: one vector-seeded pass instead of a whole Jacobian."""
    reject_given(ctx, {"file", "point", "outputs", "wrt", "direction", "cotangent", "fmt",
                       "as_json", "color", "shot_svg", "shot_html"},
                 "--direction or --cotangent (they run one forward or one reverse pass)")
    if view.fmt in ("tree", "tikz"):
        raise click.UsageError(f"--format {view.fmt} does not go with --direction or "
                               "--cotangent")
    from .. import api
    from .show import show

    show(api.run_directional(request(source, wrt=wrt), direction, cotangent), view)
