"""The command line: parse arguments, call the engine, pick a renderer, print once.

No math here. Library errors (BpcalcError) become a message on stderr and their
exit status: 2 for bad input, 1 for a math error at the point.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from . import __version__
from .errors import BpcalcError, InputError

VIEW_FORMATS = ("auto", "table", "tree", "plain", "json")
JSON_PATH_LIMIT = 1000  # the spec's default for scripts
SCREEN_PATH_LIMIT = 20  # a person reads a few paths; the count says how many there are


class _ExprCommand(click.Command):
    """A command whose first argument may be an expression that starts with '-'."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click consumes `args` as it parses
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            expr = next((a for a in given if a.startswith("-") and a != "-"
                         and a.split("=")[0] not in self._option_names()), exc.option_name)
            raise click.UsageError(
                exc.message.rstrip(".") + f". If {expr!r} is the expression, put -- before "
                f"it: bpcalc {self.name} -- '{expr}' ...", ctx) from None

    def _option_names(self) -> set[str]:
        return {o for p in self.params
                for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}


def _names(value: str | None, option: str) -> list[str] | None:
    """--wrt x,y and --output f,g: a comma-separated list of names."""
    if value is None:
        return None
    names = [v.strip() for v in value.split(",")]
    if not all(names):
        raise click.BadParameter(f"expected names separated by commas, got {value!r}",
                                 param_hint=option)
    return names


def _assignments(items: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not eq or not name.isidentifier() or not text:
            hint = "" if eq else " (to read the expression from a file, use -f FILE)"
            raise InputError(f"expected NAME=VALUE, got {item!r}{hint}")
        if name in values:
            raise InputError(f"{name} is given a value twice")
        values[name] = text
    return values


def _read_source(args: tuple[str, ...], file: str | None) -> tuple[str, tuple[str, ...]]:
    if file is None:
        if not args:
            raise click.UsageError("missing EXPR (give the expression, -f FILE, or - for stdin)")
        expr, rest = args[0], args[1:]
        if expr == "-":
            return sys.stdin.read(), rest
        return expr, rest
    if file == "-":
        return sys.stdin.read(), args
    try:
        with open(file, encoding="utf-8") as fh:
            return fh.read(), args
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read {file}: {reason}") from None


def stdout_is_terminal() -> bool:
    """Whether a person is reading: --format auto draws tables then, and writes JSON otherwise."""
    return sys.stdout.isatty()


def _fail(exc: BpcalcError) -> NoReturn:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="bpcalc")
def cli() -> None:
    """bpcalc: derivatives on computational graphs, from the shell.

    Parses an expression or a short program, builds the graph of its
    operations, and computes derivatives in forward mode, reverse mode
    (backpropagation) or as a sum over paths, showing every edge's local
    derivative on the way.

    \b
    Examples:
      bpcalc grad "(a+b)*(b+1)" a=2 b=1
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode paths --steps
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 | jq .gradient
      bpcalc graph "(a+b)*(b+1)" --format dot | dot -Tsvg > graph.svg
      bpcalc cost "(a+b)*(b+1)"
      bpcalc hessian "(a+b)*(b+1)" a=2 b=1
      bpcalc diff 'c = a + b; d = b + 1; e = c * d'

    Run `bpcalc COMMAND --help` for the input language and every option.
    """
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # exact path counts such as 3^10000 have 4772 digits


def _source_options(f):
    """The options every command that reads an expression shares."""
    f = click.option("--output", "outputs", metavar="F,G",
                     help="Which program names are outputs (several give a Jacobian).")(f)
    f = click.option("-f", "--file", "file", metavar="FILE",
                     help="Read the expression or program from FILE ('-' for stdin); "
                          "then every argument is a NAME=VALUE.")(f)
    return click.argument("args", nargs=-1, metavar="EXPR [NAME=VALUE]...")(f)


def _view_options(formats: tuple[str, ...], auto_help: str):
    def decorate(f):
        for opt in reversed([
            click.option("--format", "fmt", type=click.Choice(formats), default="auto",
                         show_default=True, help=auto_help),
            click.option("--json", "as_json", is_flag=True, help="Same as --format json."),
            click.option("--color", type=click.Choice(["auto", "always", "never"]),
                         default="auto", show_default=True,
                         help="Colour in tables and trees (NO_COLOR is honoured by auto)."),
            click.option("--svg", "svg", metavar="FILE", help="Also save the view as SVG."),
            click.option("--html", "html", metavar="FILE", help="Also save the view as HTML."),
        ]):
            f = opt(f)
        return f
    return decorate


def _format(fmt: str, as_json: bool, svg: str | None, html: str | None) -> str:
    if as_json:
        fmt = "json"
    if fmt == "auto":
        fmt = "table" if stdout_is_terminal() or svg or html else "json"
    if (svg or html) and fmt not in ("table", "tree"):
        raise click.UsageError("--svg and --html save the table or tree view; "
                               f"they do not go with --format {fmt}")
    return fmt


def _print_rich(parts: list, color: str, svg: str | None, html: str | None) -> None:
    """Print rich renderables once; save them as SVG or HTML when asked."""
    from rich.console import Console

    kwargs: dict = {"record": bool(svg or html), "highlight": False}
    if color == "always":
        kwargs["force_terminal"] = True
    elif color == "never" or os.environ.get("NO_COLOR"):
        kwargs["color_system"] = None  # no escape codes at all, bold and italic included
    console = Console(**kwargs)
    for part in parts:
        console.print(part)
        console.print()
    try:
        if svg:
            console.save_svg(svg, title="bpcalc", clear=False)
        if html:
            console.save_html(html, clear=False)
    except OSError as exc:
        _fail(InputError(f"cannot write {exc.filename}: {exc.strerror}"))


def _analyse(args: tuple[str, ...], file: str | None, outputs: str | None, *,
             need_values: bool, **kw):
    from . import engine

    try:
        source, rest = _read_source(args, file)
        values = _assignments(rest)
        if not values and not need_values:
            return engine.analyse(source, None, outputs=_names(outputs, "--output"), **kw)
        return engine.analyse(source, values, outputs=_names(outputs, "--output"), **kw)
    except BpcalcError as exc:
        _fail(exc)


def _print_json(data: dict) -> None:
    from .render import json_text

    click.echo(json_text.render(data, pretty=stdout_is_terminal()))


@cli.command(cls=_ExprCommand)
@_source_options
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
@click.option("--steps", is_flag=True,
              help="Also show the pass as a numbered trace, one line a step.")
@click.option("--direction", metavar="X=1,Y=-2",
              help="The directional derivative along this vector (a Jacobian-vector "
                   "product): one forward pass.")
@click.option("--cotangent", metavar="F=1,G=0.5",
              help="The vector-Jacobian product with this weight per output: one reverse pass.")
@_view_options(VIEW_FORMATS, "auto: tables on a terminal, JSON in a pipe or file; "
                             "plain: text without box drawing.")
@click.pass_context
def grad(ctx: click.Context, args: tuple[str, ...], file: str | None, outputs: str | None,
         mode: str, wrt: str | None, do_check: bool, rtol: float, atol: float, exact: bool,
         latex: bool, budget: float, batch: str | None, limit: int | None, steps: bool,
         direction: str | None,
         cotangent: str | None, fmt: str, as_json: bool, color: str, svg: str | None,
         html: str | None) -> None:
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
    to each side; a kink hit is reported.

    \b
    Examples:
      bpcalc grad "(a+b)*(b+1)" a=2 b=1
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode forward --steps
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode paths --wrt b
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --format tree
      bpcalc grad 'c = a + b; d = b + 1; e = c * d' a=2 b=1
      bpcalc grad 'r = sqrt(x*x + y*y); phi = atan(y/x)' x=0.6 y=0.8 --output r,phi
      bpcalc grad -- "-x**2" x=3
      bpcalc grad -f model.txt w=0.5 b=-1
      bpcalc grad "sin(x)*y" x=pi/4 y=2 | jq .gradient
      bpcalc grad "x*y + sin(x)" x=1 y=2 --direction x=1,y=-2
      bpcalc grad 'f = x*y; g = x + y' x=1 y=2 --cotangent f=1,g=0.5
      bpcalc grad "sin(x)*exp(y)" x=pi/6 y=0 --check
      bpcalc grad "x*x*y" x=1/3 y=2 --exact
      bpcalc grad 'c = a + b; d = b + 1; e = c * d' a=2 b=1 --mode symbolic --latex
      bpcalc grad "(a+b)*(b+1)" --batch points.jsonl > gradients.jsonl
      bpcalc grad "(w*x - y)^2" --batch data.csv w=0.5 --wrt w

    Exit status: 0 on success, 2 for bad input, 1 for a math error at the point
    (3 would mean a bug in bpcalc).
    """
    if batch is not None:
        _batch(ctx, args, file, batch, mode, wrt, outputs)
        return
    fmt = _format(fmt, as_json, svg, html)
    if direction is not None or cotangent is not None:
        _directional(ctx, args, file, outputs, wrt, direction, cotangent, fmt, color, svg, html)
        return
    if latex and mode != "symbolic":
        raise click.UsageError("--latex goes with --mode symbolic (or the diff command)")
    from . import engine

    ad_mode = "reverse" if mode == "symbolic" else mode
    limit = limit if limit is not None else JSON_PATH_LIMIT if fmt == "json" else SCREEN_PATH_LIMIT
    try:
        source, rest = _read_source(args, file)
        values, wrt_names = _assignments(rest), _names(wrt, "--wrt")
        out_names = _names(outputs, "--output")
        result = engine.grad(source, values, ad_mode, wrt_names, out_names, limit,
                             with_cost=fmt != "json")
        extras = _verify(source, values, ad_mode, wrt_names, out_names, limit, budget,
                         symbolic=mode == "symbolic", do_check=do_check, rtol=rtol, atol=atol,
                         exact=exact)
    except BpcalcError as exc:
        _fail(exc)
    checked = extras.get("check")
    if fmt == "json":
        data = result.to_dict()
        if "exact" in extras:
            data = extras["exact"].merge(data)
        if "symbolic" in extras:
            data = {**data, "mode": "symbolic", "symbolic": extras["symbolic"].to_dict()}
        if checked is not None:
            data["check"] = checked.to_dict()
        _print_json(data)
    else:
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
        _show_grad(result, extras, fmt, steps, latex, color, svg, html)
    if checked is not None and checked.exit_code:
        click.echo("Error: --check failed: the AD gradient and SymPy's disagree "
                   "beyond the tolerance", err=True)
        sys.exit(checked.exit_code)


def _batch(ctx: click.Context, args: tuple[str, ...], file: str | None, path: str,
           mode: str, wrt: str | None, outputs: str | None) -> None:
    """grad --batch: the graph is built and checked once, then every point is one JSON line."""
    from click.core import ParameterSource

    allowed = {"args", "file", "batch", "mode", "wrt", "outputs", "fmt", "as_json"}
    for name in ctx.params:
        if name not in allowed and ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            raise click.UsageError(f"--{name.replace('_', '-')} does not go with --batch "
                                   "(which writes one JSON line per point)")
    if ctx.params["fmt"] not in ("auto", "json"):
        raise click.UsageError("--batch writes JSON Lines; --format does not apply")
    if mode == "symbolic":
        raise click.UsageError("--batch takes --mode reverse, forward or paths")
    if path == "-" and (file == "-" or (file is None and args[:1] == ("-",))):
        raise click.UsageError("the expression and the --batch points cannot both come from stdin")
    from . import batch as batch_mod

    try:
        source, rest = _read_source(args, file)
        constants = _assignments(rest)
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        _fail(InputError(f"cannot read {path}: {exc.strerror}"))
    except BpcalcError as exc:
        _fail(exc)
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
            summary = batch_mod.run_batch(source, stream, constants=constants, mode=mode,
                                          wrt=_names(wrt, "--wrt"),
                                          outputs=_names(outputs, "--output"),
                                          progress=progress,
                                          chunk=1 if stream.isatty() else batch_mod.CHUNK)
    except BpcalcError as exc:
        _fail(exc)
    except UnicodeDecodeError as exc:
        _fail(InputError(f"cannot read {path}: {exc}"))
    finally:
        if bar is not None:
            bar.render_finish()
    if summary.failed:
        click.echo(f"Error: {summary.failed} of {summary.points} points failed "
                   "(see their error lines)", err=True)
        sys.exit(1)


def _verify(source: str, values: dict[str, str], mode: str, wrt: list[str] | None,
            outputs: list[str] | None, limit: int, budget: float, *, symbolic: bool,
            do_check: bool, rtol: float, atol: float, exact: bool) -> dict:
    """The SymPy legs that grad can add: symbolic formulas, --check, --exact."""
    extras: dict = {}
    if symbolic:
        from . import symbolic as sym

        extras["symbolic"] = sym.derive(source, values, wrt=wrt, outputs=outputs, budget=budget)
    if do_check:
        from . import check

        extras["check"] = check.check(source, values, mode=mode, wrt=wrt, outputs=outputs,
                                      rtol=rtol, atol=atol, budget=budget, limit=limit)
    if exact:
        from . import exact as ex

        extras["exact"] = ex.exact(source, values, mode=mode, wrt=wrt, outputs=outputs,
                                   budget=budget)
    return extras


def _show_grad(result, extras: dict, fmt: str, steps: bool, latex: bool, color: str,
               svg: str | None, html: str | None) -> None:
    """The human views of grad, with whatever --check, --exact or symbolic mode added."""
    from .render import symbolic_view as sv

    if fmt == "plain":
        from .render import plain

        lines = [plain.render(result, steps=steps)]
        if "symbolic" in extras:
            lines += ["", *sv.derivation_lines(extras["symbolic"], latex)]
        if "exact" in extras:
            lines += ["", *sv.exact_lines(result, extras["exact"])]
        if "check" in extras:
            lines += ["", *sv.check_lines(extras["check"])]
        click.echo("\n".join(lines))
        return
    from .render import rich_view

    parts = rich_view.tree_view(result) if fmt == "tree" else rich_view.grad_view(result, steps)
    if fmt == "tree" and steps:
        parts.insert(-1, rich_view.steps_text(result))
    if "symbolic" in extras:
        parts.append(sv.derivation_view(extras["symbolic"], latex))
    if "exact" in extras:
        parts.append(sv.exact_view(result, extras["exact"]))
    if "check" in extras:
        parts.append(sv.check_view(extras["check"]))
    _print_rich(parts, color, svg, html)


def _directional(ctx: click.Context, args: tuple[str, ...], file: str | None,
                 outputs: str | None, wrt: str | None, direction: str | None,
                 cotangent: str | None, fmt: str, color: str, svg: str | None,
                 html: str | None) -> None:
    """grad --direction / --cotangent: one vector-seeded pass instead of a whole Jacobian."""
    from click.core import ParameterSource

    for name in ("mode", "steps", "limit"):
        if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            raise click.UsageError(f"--{name} does not go with --direction or --cotangent "
                                   "(they run one forward or one reverse pass)")
    if fmt == "tree":
        raise click.UsageError("--format tree does not go with --direction or --cotangent")
    from . import second

    try:
        source, rest = _read_source(args, file)
        r = second.directional_result(source, _assignments(rest), direction=direction,
                                      cotangent=cotangent, outputs=_names(outputs, "--output"),
                                      wrt=_names(wrt, "--wrt"))
    except BpcalcError as exc:
        _fail(exc)
    if fmt == "json":
        _print_json(r.to_dict())
        return
    for w in r.warnings:
        click.echo(f"warning: {w}", err=True)
    from .render import second_view

    lines = second_view.directional_lines(r)
    if fmt == "plain":
        click.echo("\n".join(lines))
    else:
        from rich.text import Text

        _print_rich([Text("\n".join(lines))], color, svg, html)


@cli.command(cls=_ExprCommand)
@_source_options
@click.option("--wrt", metavar="X,Y", help="Only these inputs' rows and columns.")
@_view_options(("auto", "table", "plain", "json"),
               "auto: a table on a terminal, JSON in a pipe or file.")
def hessian(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
            fmt: str, as_json: bool, color: str, svg: str | None, html: str | None) -> None:
    """The Hessian of EXPR at the point NAME=VALUE ...: all second derivatives.

    Computed on bpcalc's own graph by forward-over-reverse: for each input, one
    forward pass carries tangents through the reverse sweep, which gives one
    column of the Hessian. One output only (--output names it in a program).

    \b
    Examples:
      bpcalc hessian "(a+b)*(b+1)" a=2 b=1
      bpcalc hessian "x*x*y + sin(y)" x=1 y=pi/2 --json | jq .hessian
      bpcalc hessian -f model.txt w=0.5 b=-1 --wrt w --output loss
    """
    fmt = _format(fmt, as_json, svg, html)
    from . import second

    try:
        source, rest = _read_source(args, file)
        h = second.hessian_result(source, _assignments(rest), wrt=_names(wrt, "--wrt"),
                                  output=_names(outputs, "--output"))
    except BpcalcError as exc:
        _fail(exc)
    if fmt == "json":
        _print_json(h.to_dict())
        return
    for w in h.warnings:
        click.echo(f"warning: {w}", err=True)
    from .render import second_view

    if fmt == "plain":
        click.echo("\n".join(second_view.hessian_lines(h)))
    else:
        _print_rich(second_view.hessian_view(h), color, svg, html)


@cli.command(cls=_ExprCommand)
@_source_options
@click.option("--wrt", metavar="X,Y", help="Only the partials with respect to these inputs.")
@click.option("--latex", is_flag=True, help="Formulas as LaTeX.")
@click.option("--budget", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="Time allowed for SymPy; past it the result is skipped.")
@_view_options(("auto", "table", "plain", "json"),
               "auto: a table on a terminal, JSON in a pipe or file.")
def diff(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
         latex: bool, budget: float, fmt: str, as_json: bool, color: str, svg: str | None,
         html: str | None) -> None:
    """Symbolic partial derivatives of EXPR, as a computer algebra system prints them.

    No values are needed. Each partial is given in the inputs' own names and,
    for a program, in its intermediate names too (for c = a + b; d = b + 1;
    e = c * d: de/db = a + 2*b + 1 = c + d), with every edge's local derivative
    as a formula. Uses SymPy, within a time budget.

    \b
    Examples:
      bpcalc diff "(a+b)*(b+1)"
      bpcalc diff 'c = a + b; d = b + 1; e = c * d' --wrt b
      bpcalc diff "sin(x)*exp(y)" --latex
    """
    fmt = _format(fmt, as_json, svg, html)
    from . import symbolic as sym

    try:
        source, rest = _read_source(args, file)
        values = _assignments(rest)
        dv = sym.derive(source, values or None, wrt=_names(wrt, "--wrt"),
                        outputs=_names(outputs, "--output"), budget=budget)
    except BpcalcError as exc:
        _fail(exc)
    from .render import symbolic_view as sv

    if fmt == "json":
        _print_json({"schema": "bpcalc/diff", "version": 1, "expression": source,
                     **dv.to_dict()})
    elif fmt == "plain":
        click.echo("\n".join(sv.derivation_lines(dv, latex)))
    else:
        _print_rich([sv.derivation_view(dv, latex)], color, svg, html)


@cli.command(cls=_ExprCommand)
@_source_options
@click.option("--mode", type=click.Choice(["reverse", "forward"]),
              help="With values: also show each node's adjoint or tangent.")
@_view_options(VIEW_FORMATS[:2] + ("tree", "json", "dot", "mermaid"),
               "auto: a table on a terminal, JSON in a pipe; dot (Graphviz) and "
               "mermaid print text to draw the graph with.")
def graph(args: tuple[str, ...], file: str | None, outputs: str | None, mode: str | None,
          fmt: str, as_json: bool, color: str, svg: str | None, html: str | None) -> None:
    """The graph of EXPR alone: nodes, definitions, edges, local derivatives.

    Values are optional; with NAME=VALUE for every input, nodes and edges carry
    their numbers too (and, with --mode, each node's derivative).

    \b
    Examples:
      bpcalc graph "(a+b)*(b+1)"
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --format tree
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --mode reverse --format dot | dot -Tsvg > g.svg
      bpcalc graph "(a+b)*(b+1)" --format mermaid
    """
    fmt = _format(fmt, as_json, svg, html)
    result = _analyse(args, file, outputs, need_values=mode is not None, mode=mode)
    if fmt == "json":
        _print_json(result.graph_dict())
    elif fmt in ("dot", "mermaid"):
        from .render import diagram

        click.echo(getattr(diagram, fmt)(result), nl=False)
    else:
        from .render import rich_view

        parts = rich_view.tree_view(result) if fmt == "tree" else rich_view.graph_view(result)
        _print_rich(parts, color, svg, html)


@cli.command(cls=_ExprCommand)
@_source_options
@click.option("--wrt", metavar="X,Y", help="Count only these inputs.")
@_view_options(("auto", "table", "json"),
               "auto: a table on a terminal, JSON in a pipe or file.")
def cost(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
         fmt: str, as_json: bool, color: str, svg: str | None, html: str | None) -> None:
    """Why backpropagation wins: what each mode costs on the graph of EXPR.

    Compares forward mode (one pass per input), reverse mode (one pass per
    output) and summing over every path (counted exactly, never listed):
    passes and edge operations, where an edge operation is one use of an
    edge's local derivative. Values are optional and change nothing here.

    \b
    Examples:
      bpcalc cost "(a+b)*(b+1)"
      bpcalc cost 'r = sqrt(x*x + y*y); phi = atan(y/x)' --output r,phi
      bpcalc cost 'y = x; y = y*y + y; y = y*y + y; y = y*y + y' --json
      python3 -c 'print("+".join(f"w{i}*x{i}" for i in range(1000)))' | bpcalc cost -
    """
    fmt = _format(fmt, as_json, svg, html)
    result = _analyse(args, file, outputs, need_values=False, wrt=_names(wrt, "--wrt"),
                      with_cost=True)
    assert result.cost is not None
    if fmt == "json":
        data = {"schema": "bpcalc/cost", "version": 1, "expression": result.expression,
                **result.cost.to_dict()}
        _print_json(data)
        return
    from .render import rich_view

    _print_rich(rich_view.cost_view(result.expression, result.cost), color, svg, html)


def main() -> None:
    try:
        cli(prog_name="bpcalc")
    except BrokenPipeError:  # `bpcalc ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except MemoryError:
        click.echo("Error: out of memory", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug of ours: say so in one line, never a traceback
        if os.environ.get("BPCALC_DEBUG"):
            raise
        click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); this is a bug in "
                   "bpcalc: please report it with the command (BPCALC_DEBUG=1 shows the "
                   "traceback)", err=True)
        sys.exit(3)
