"""The command line: parse arguments, call the engine, pick a renderer, print once.

No math here. Library errors (BpcalcError) become a message on stderr and their
exit status: 2 for bad input, 1 for a math error at the point.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from . import __version__
from .errors import BpcalcError, InputError

FORMATS = ("auto", "plain", "json")


class _ExprCommand(click.Command):
    """A command whose first argument may be an expression that starts with '-'."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click consumes `args` as it parses
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            expr = next((a for a in given if a.startswith("-") and a != "-"
                         and a.split("=")[0] not in self._option_names()), exc.option_name)
            exc.message = (exc.message.rstrip(".") + f". If {expr!r} is the expression, "
                           f"put -- before it: bpcalc {self.name} -- '{expr}' ...")
            raise

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
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode paths
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 | jq .gradient

    Run `bpcalc grad --help` for the input language and every option.
    """


@cli.command(cls=_ExprCommand)
@click.argument("args", nargs=-1, metavar="EXPR [NAME=VALUE]...")
@click.option("-f", "--file", "file", metavar="FILE",
              help="Read the expression or program from FILE ('-' for stdin); "
                   "then every argument is a NAME=VALUE.")
@click.option("--mode", type=click.Choice(["reverse", "forward", "paths"]),
              default="reverse", show_default=True,
              help="How derivatives accumulate; all modes give the same gradient.")
@click.option("--wrt", metavar="X,Y", help="Only these inputs' derivatives.")
@click.option("--output", "outputs", metavar="F,G",
              help="Which program names are outputs (several give a Jacobian).")
@click.option("--limit", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Paths mode: list at most this many paths (all are still counted).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="auto: plain text on a terminal, JSON in a pipe or file.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def grad(args: tuple[str, ...], file: str | None, mode: str, wrt: str | None,
         outputs: str | None, limit: int, fmt: str, as_json: bool) -> None:
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
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode forward
      bpcalc grad "(a+b)*(b+1)" a=2 b=1 --mode paths --wrt b
      bpcalc grad 'c = a + b; d = b + 1; e = c * d' a=2 b=1
      bpcalc grad 'r = sqrt(x*x + y*y); phi = atan(y/x)' x=0.6 y=0.8 --output r,phi
      bpcalc grad -- "-x**2" x=3
      bpcalc grad -f model.txt w=0.5 b=-1
      bpcalc grad "sin(x)*y" x=pi/4 y=2 --json | jq .gradient

    Exit status: 0 on success, 2 for bad input, 1 for a math error at the point.
    """
    from . import engine

    try:
        source, rest = _read_source(args, file)
        result = engine.grad(source, _assignments(rest), mode=mode,
                             wrt=_names(wrt, "--wrt"), outputs=_names(outputs, "--output"),
                             limit=limit)
    except BpcalcError as exc:
        _fail(exc)
    if as_json:
        fmt = "json"
    if fmt == "auto":
        fmt = "plain" if sys.stdout.isatty() else "json"
    if fmt == "json":
        from .render import json_text

        text = json_text.render(result.to_dict(), pretty=sys.stdout.isatty())
    else:
        from .render import plain

        text = plain.render(result)
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
    click.echo(text)


def main() -> None:
    try:
        cli(prog_name="bpcalc")
    except BrokenPipeError:  # `bpcalc ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        sys.exit(0)
