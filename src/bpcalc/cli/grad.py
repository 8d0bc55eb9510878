"""bpcalc grad: the gradient in one mode, and what --check, --exact, --mode symbolic,
--direction, --cotangent and --batch add to it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from .common import (
    JSON_PATH_LIMIT,
    SCREEN_PATH_LIMIT,
    VIEW_FORMATS,
    ExprCommand,
    choose_format,
    load,
    load_given,
    names,
    print_json,
    print_rich,
    reject_given,
    save_pictures,
    source_options,
    view_options,
    warn,
)

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..results.grad import GradResult


@click.command(cls=ExprCommand)
@source_options
@click.option("--mode", type=click.Choice(["reverse", "forward", "paths", "symbolic"]),
              default="reverse", show_default=True,
              help="How derivatives accumulate; all modes give the same gradient. symbolic: "
                   "also each partial and edge as a formula (SymPy).")
@click.option("--wrt", metavar="X,Y", help="Only these inputs' derivatives.")
@click.option("--check", "do_check", is_flag=True,
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
@click.option("--expand", metavar="NAME",
              help="A program with families is shown one row per family; this lists a "
                   "family in full (W1), or picks the element whose pass is written out "
                   "(W1[2,1]), or a range (W1[1..3,2]); several with commas.")
@click.option("--direction", metavar="X=1,Y=-2",
              help="The directional derivative along this vector (a Jacobian-vector "
                   "product): one forward pass.")
@click.option("--cotangent", metavar="F=1,G=0.5",
              help="The vector-Jacobian product with this weight per output: one reverse pass.")
@view_options(VIEW_FORMATS + ("tikz",), "auto: tables on a terminal, JSON in a pipe or "
                                         "file; plain: text without box drawing; tikz: the "
                                         "drawing for LaTeX.", pictures=True)
@click.pass_context
def grad(ctx: click.Context, args: tuple[str, ...], file: str | None, outputs: str | None,
         mode: str, wrt: str | None, do_check: bool, rtol: float, atol: float, exact: bool,
         latex: bool, budget: float, batch: str | None, limit: int | None,
         fields: str | None, steps: bool, expand: str | None, direction: str | None,
         cotangent: str | None, fmt: str, as_json: bool, color: str, svg: str | None,
         html: str | None, shot_svg: str | None, shot_html: str | None) -> None:
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
      bpcalc grad "y[i] = sum(W[i,j]*x[j] for j)" W=[[1,2],[3,4]] x=[1,2] --expand W
      bpcalc grad "p[c] = exp(z[c]) / sum(exp(z[k]) for k); L = -log(p[2])" z=[1,2,3]
      bpcalc grad "(a+b)*(b+1)" --batch points.jsonl > gradients.jsonl
      bpcalc grad "(w*x - y)^2" --batch data.csv w=0.5 --wrt w

    Exit status: 0 on success, 2 for bad input, 1 for a math error at the point
    (3 would mean a bug in bpcalc).
    """
    if batch is not None:
        _batch(ctx, args, file, batch, mode, wrt, outputs)
        return
    fmt = choose_format(fmt, as_json, shot_svg, shot_html)
    if direction is not None or cotangent is not None:
        _directional(ctx, args, file, outputs, wrt, direction, cotangent, fmt, color, shot_svg,
                     shot_html)
        return
    if fmt == "tikz" and (do_check or exact or mode == "symbolic" or steps):
        raise click.UsageError("--format tikz draws the graph alone; --check, --exact, "
                               "--steps and --mode symbolic go with the text views")
    if latex and mode != "symbolic":
        raise click.UsageError("--latex goes with --mode symbolic (or the diff command)")
    keep = names(fields, "--fields")
    if keep is not None and fmt != "json":
        raise click.UsageError("--fields selects keys of the JSON output; it needs JSON "
                               "(--json, or a pipe)")
    from .. import analysis

    ad_mode = "reverse" if mode == "symbolic" else mode
    limit = limit if limit is not None else JSON_PATH_LIMIT if fmt == "json" else SCREEN_PATH_LIMIT
    program, values = load(args, file)
    wrt_names, out_names = names(wrt, "--wrt"), names(outputs, "--output")
    result = analysis.grad(program.graph(out_names), values, ad_mode, wrt_names, limit,
                           with_cost=fmt != "json")
    extras = _verify(program, values, ad_mode, wrt_names, out_names, limit, budget,
                     symbolic=mode == "symbolic", do_check=do_check, rtol=rtol, atol=atol,
                     exact=exact)
    checked = extras.get("check")
    ex = None
    if expand is not None:  # the folded views' option (render/folded.py); not on the JSON path
        from ..render.folded import parse

        ex = parse(expand, result)
    save_pictures(result, svg, html, wrt_names)
    if fmt == "tikz":
        from ..render import tikz

        click.echo(tikz.tikz(result, wrt_names[0] if wrt_names else None), nl=False)
    elif fmt == "json":
        data = result.to_dict(None if extras else keep, lazy=not extras)
        if "exact" in extras:
            data = extras["exact"].merge(data)
        if "symbolic" in extras:
            data = {**data, "mode": "symbolic", "symbolic": extras["symbolic"].to_dict()}
            del data["symbolic"]["schema"], data["symbolic"]["version"]
        if checked is not None:
            data["check"] = checked.to_dict()
        if keep is not None:
            known = [*result.fields(), *(k for k in data if k not in result.fields())]
            unknown = [k for k in keep if k not in known]
            if unknown:
                raise click.BadParameter(f"no field {', '.join(unknown)}; this output has: "
                                         + ", ".join(known), param_hint="--fields")
            data = {k: v for k, v in data.items() if k in keep}
        print_json(data)
        if shot_svg or shot_html:  # the table view saved beside the JSON, never instead of it
            _show_grad(result, extras, "table", steps, latex, color, shot_svg, shot_html,
                       echo=False, ex=ex)
    else:
        warn(result.warnings)
        _show_grad(result, extras, fmt, steps, latex, color, shot_svg, shot_html, ex=ex)
    if checked is not None and checked.exit_code:
        click.echo(f"Error: --check failed: {'; '.join(checked.failures)}", err=True)
        sys.exit(checked.exit_code)


def _batch(ctx: click.Context, args: tuple[str, ...], file: str | None, path: str,
           mode: str, wrt: str | None, outputs: str | None) -> None:
    """grad --batch: the graph is built and checked once, then every point is one JSON line."""
    reject_given(ctx, {"file", "point", "batch", "mode", "wrt", "outputs", "fmt", "as_json",
                       "color"},
                 "--batch (which writes one JSON line per point)")
    if ctx.params["fmt"] not in ("auto", "json"):
        raise click.UsageError("--batch writes JSON Lines; --format does not apply")
    if mode == "symbolic":
        raise click.UsageError("--batch takes --mode reverse, forward or paths")
    if path == "-" and (file == "-" or (file is None and args[:1] == ("-",))):
        raise click.UsageError("the expression and the --batch points cannot both come from stdin")
    if path == "-" and ctx.meta.get("bpcalc.point") == "-":
        raise click.UsageError("--point and the --batch points cannot both come from stdin")
    from ..compile import batch as batch_mod

    program, constants = load_given(args, file)  # the shapes of families may come with a row
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
            summary = batch_mod.run_batch(program, stream, constants=constants, mode=mode,
                                          wrt=names(wrt, "--wrt"),
                                          outputs=names(outputs, "--output"),
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


def _verify(program: Analysis, values: dict[str, str | float], mode: str,
            wrt: list[str] | None, outputs: list[str] | None, limit: int, budget: float, *,
            symbolic: bool, do_check: bool, rtol: float, atol: float,
            exact: bool) -> dict[str, Any]:
    """The SymPy legs that grad can add: symbolic formulas, --check, --exact."""
    extras: dict[str, Any] = {}
    if symbolic:
        from ..formulas import diff

        extras["symbolic"] = diff(program, values, wrt=wrt, outputs=outputs, expand=True,
                                  budget=budget)
    if do_check:
        from ..symbolic.check import check

        extras["check"] = check(program, values, mode=mode, wrt=wrt, outputs=outputs,
                                rtol=rtol, atol=atol, budget=budget, limit=limit)
    if exact:
        from ..symbolic.exact import exact as exact_

        extras["exact"] = exact_(program, values, mode=mode, wrt=wrt, outputs=outputs,
                                 budget=budget)
    return extras


def _show_grad(result: GradResult, extras: dict[str, Any], fmt: str, steps: bool,
               latex: bool, color: str, shot_svg: str | None, shot_html: str | None,
               echo: bool = True, ex: Any = None) -> None:
    """The human views of grad, with whatever --check, --exact or symbolic mode added;
    `ex`: what --expand lists of a program with families (render/folded.py)."""
    from ..render.folded import NONE

    ex = ex or NONE
    from ..render import formula_view as fv
    from ..render import symbolic_view as sv

    if fmt == "plain":
        from ..render import plain

        lines = [plain.render(result, steps=steps, ex=ex)]
        if "symbolic" in extras:
            lines += ["", *fv.lines(extras["symbolic"], latex, header=False)]
        if "exact" in extras:
            lines += ["", *sv.exact_lines(result, extras["exact"])]
        if "check" in extras:
            lines += ["", *sv.check_lines(extras["check"])]
        click.echo("\n".join(lines))
        return
    from ..render import rich_view

    parts = rich_view.tree_view(result) if fmt == "tree" else \
        rich_view.grad_view(result, steps, ex)
    if fmt == "tree" and steps:
        parts.insert(-1, rich_view.steps_text(result))
    if "symbolic" in extras:
        parts.extend(fv.view(extras["symbolic"], latex, header=False))
    if "exact" in extras:
        parts.append(sv.exact_view(result, extras["exact"]))
    if "check" in extras:
        parts.append(sv.check_view(extras["check"]))
    print_rich(parts, color, shot_svg, shot_html, echo)


def _directional(ctx: click.Context, args: tuple[str, ...], file: str | None,
                 outputs: str | None, wrt: str | None, direction: str | None,
                 cotangent: str | None, fmt: str, color: str, shot_svg: str | None,
                 shot_html: str | None) -> None:
    """grad --direction / --cotangent: one vector-seeded pass instead of a whole Jacobian."""
    reject_given(ctx, {"file", "point", "outputs", "wrt", "direction", "cotangent", "fmt",
                       "as_json",
                       "color", "shot_svg", "shot_html"},
                 "--direction or --cotangent (they run one forward or one reverse pass)")
    if fmt in ("tree", "tikz"):
        raise click.UsageError(f"--format {fmt} does not go with --direction or --cotangent")
    from .. import second

    program, values = load(args, file)
    r = second.directional_result(program, values, direction=direction, cotangent=cotangent,
                                  outputs=names(outputs, "--output"), wrt=names(wrt, "--wrt"))
    from ..render import second_view

    if fmt == "json":
        print_json(r.to_dict())
    else:
        warn(r.warnings)
    if fmt == "plain":
        click.echo("\n".join(second_view.directional_lines(r)))
    elif fmt != "json" or shot_svg or shot_html:
        from ..render.layout import Lines

        print_rich([Lines(lambda width: second_view.directional_lines(r, width))], color,
                   shot_svg, shot_html, echo=fmt != "json")

