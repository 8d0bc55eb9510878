"""What every command shares: reading the expression and NAME=VALUE pairs into one
request, the option decorators (each group of options reaches a command as one object:
Source, View), choosing a format, and printing once.

No math here, and no error handling: a library error (BpcalcError) goes up to the one
boundary in cli/__init__.py, which prints it and exits with its status.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from ..numbers import FULL, SCREEN_DIGITS, showing
from ..text.values import assignments, point_object
from .options import Group, Source, View

if TYPE_CHECKING:
    from ..api.request import Request

VIEW_FORMATS = ("auto", "table", "tree", "plain", "json")
JSON_PATH_LIMIT = 1000  # the spec's default for scripts
SCREEN_PATH_LIMIT = 20  # a person reads a few paths; the count says how many there are


def collect(kind: type[Group], name: str) -> Callable[[Any], Any]:
    """A decorator: the options `kind` names reach the command as one `kind`,
    its parameter `name`, instead of one parameter each."""
    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def run(*args: Any, **kw: Any) -> Any:
            kw[name] = kind(**{k: kw.pop(k) for k in kind.options() if k in kw})
            return f(*args, **kw)
        return run
    return decorate


class ExprCommand(click.Command):
    """A command whose first argument may be an expression that starts with '-'."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click consumes `args` as it parses
        try:
            return super().parse_args(ctx, self._positionals_last(args))
        except click.NoSuchOption as exc:
            moved = {"--svg": "--terminal-svg", "--html": "--terminal-html"}
            if exc.option_name in moved and exc.option_name not in self._option_names():
                raise click.UsageError(
                    f"bpcalc {self.name} draws no graph: {moved[exc.option_name]} FILE saves "
                    "its text view as a picture", ctx) from None
            if exc.possibilities or exc.option_name.startswith("--"):
                raise  # a misspelt or unknown option: click's own message
            expr = next((a for a in given if a.startswith("-") and a != "-"
                         and a.split("=")[0] not in self._option_names()), exc.option_name)
            raise click.UsageError(
                exc.message.rstrip(".") + f". If {expr!r} is the expression, put -- before "
                f"it: bpcalc {self.name} -- '{expr}' ...", ctx) from None

    def _positionals_last(self, args: list[str]) -> list[str]:
        """The command line with the options first and then, behind one `--`, every
        positional argument in order (unchanged if an option lacks its value). click's
        parser takes each argument before `--` off the front of a list, which is
        quadratic: 10^5 NAME=VALUE pairs took it a second."""
        takes = {o: p.nargs for p in self.params if isinstance(p, click.Option)
                 and not p.is_flag and not p.count for o in p.opts + p.secondary_opts}
        taken: set[int] = set()  # positions of options and their values
        end = len(args)
        for i in [i for i, a in enumerate(args) if a[:1] == "-" and len(a) > 1]:
            if i in taken:
                continue  # a value that starts with '-'
            if args[i] == "--":
                end = i
                break
            n = takes.get(args[i], 0)
            if i + n >= end:
                return args  # an option without its value: click says so
            taken.update(range(i, i + 1 + n))
        opts = [args[i] for i in sorted(taken)]
        positional = [a for i, a in enumerate(args[:end]) if i not in taken] + args[end + 1:]
        return [*opts, "--", *positional] if positional else opts

    def _option_names(self) -> set[str]:
        return {o for p in self.params
                for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}


def names(value: str | None, option: str) -> list[str] | None:
    """--wrt x,y and --output f,g: a comma-separated list of names."""
    if value is None:
        return None
    names = [v.strip() for v in value.split(",")]
    if not all(names):
        raise click.BadParameter(f"expected names separated by commas, got {value!r}",
                                 param_hint=option)
    return names


def read_point(path: str) -> dict[str, str | float]:
    """--point FILE: a JSON object of NAME: number or NAME: "constant expression"."""
    return point_object(read_text(path), "standard input" if path == "-" else path)


def read_source(args: tuple[str, ...], file: str | None) -> tuple[str, tuple[str, ...]]:
    if file is None:
        if not args:
            raise click.UsageError("missing EXPR (give the expression, -f FILE, or - for stdin)")
        expr, rest = args[0], args[1:]
        if expr == "-":
            return read_text("-"), rest
        return expr, rest
    return read_text(file), args


def read_text(path: str) -> str:
    """The text of the file `path`, or of stdin for '-', as UTF-8 (a byte order mark at the
    start is allowed); an unreadable file is bad input, its encoding named."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else \
                sys.stdin.read().encode("utf-8", "surrogateescape")
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    where = "standard input" if path == "-" else path
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {where}: {encoding_problem(data, exc)}") from None


def encoding_problem(data: bytes, exc: UnicodeDecodeError) -> str:
    """Why bytes are not UTF-8, in words: UTF-16 or -32 by their byte order mark, else the
    first byte that is not."""
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(bom):
            return (f"it is {name} text (it starts with a {name} byte order mark); bpcalc "
                    f"reads UTF-8: convert it first, e.g. iconv -f {name} -t UTF-8")
    return (f"it is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "cannot start a UTF-8 character); save it as UTF-8")


def stdout_is_terminal() -> bool:
    """Whether a person is reading: --format auto draws tables then, and writes JSON otherwise."""
    return sys.stdout is not None and sys.stdout.isatty()


def _keep_point(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.meta["bpcalc.point"] = value


def _keep(key: str) -> Any:
    def keep(ctx: click.Context, _param: click.Parameter, value: object) -> None:
        ctx.meta[key] = value

    return keep


def seed() -> int:
    """--seed, 0 unless given: the same command draws the same values."""
    return int(click.get_current_context().meta.get("bpcalc.seed") or 0)


def source_options(f=None, *, output_help="Which program names are outputs (several give "
                                           "a Jacobian)."):
    """The options every command that reads an expression shares (`@source_options`, or
    `@source_options(output_help=...)` to say what --output means to the command)."""
    if f is None:
        return lambda g: source_options(g, output_help=output_help)
    metavar = "F,G" if "several" in output_help else "NAME"
    f = click.option("--max-nodes", type=click.IntRange(min=1), default=None, metavar="N",
                     expose_value=False, callback=_keep("bpcalc.limit"),
                     help="Refuse a program that would make more than N nodes (sums and "
                          "families can ask for many) [default: 10,000,000].")(f)
    f = click.option("--seed", type=int, default=None, expose_value=False,
                     callback=_keep("bpcalc.seed"),
                     help="The seed of values drawn at random (W[16,2]=uniform(-1,1), "
                          "normal(0,1)) and of descend's mini-batches [default: 0].")(f)
    f = click.option("--output", "outputs", metavar=metavar, help=output_help)(f)
    f = click.option("--point", metavar="FILE", expose_value=False,
                     callback=_keep_point, is_eager=True,
                     help='Values from a JSON object in FILE (\'-\' for stdin), such as '
                          '{"x": 1, "y": "pi/4"}: for many inputs, beside or instead of '
                          'NAME=VALUE.')(f)
    f = click.option("-f", "--file", "file", metavar="FILE",
                     help="Read the expression or program from FILE ('-' for stdin); "
                          "then every argument is a NAME=VALUE.")(f)
    f = click.argument("args", nargs=-1, metavar="EXPR [NAME=VALUE]...")(f)
    return collect(Source, "source")(f)


def view_options(formats: tuple[str, ...], auto_help: str, digits: bool = True,
                 pictures: bool = False):
    def decorate(f):
        for opt in reversed([
            click.option("--format", "fmt", type=click.Choice(formats), default="auto",
                         show_default=True, help=auto_help),
            click.option("--json", "as_json", is_flag=True, help="Same as --format json."),
            click.option("--color", type=click.Choice(["auto", "always", "never"]),
                         default="auto", show_default=True,
                         help="Colour in tables and trees (NO_COLOR is honoured by auto)."),
            *([click.option("--digits", type=click.IntRange(1, FULL), default=SCREEN_DIGITS,
                            show_default=True, expose_value=False, callback=_show_digits,
                            help=f"Significant digits of the numbers on screen ({FULL}: "
                                 "all of them); JSON always has every digit.")]
              if digits else []),
            *([click.option("--svg", "svg", metavar="FILE",
                            help="Also draw the graph as SVG: values on the nodes, local "
                                 "derivatives on the edges, the mode's derivatives (a program "
                                 "with families as layers; --expand 'h1[3]' draws one element)."),
               click.option("--html", "html", metavar="FILE",
                            help="Also write a page that steps through the pass on the "
                                 "drawing (one self-contained file: open it in a browser)."),
               click.option("--slide", is_flag=True, expose_value=False, callback=_slide,
                            help="Lay the --svg and --html pictures out for a 16:9 slide, "
                                 "text at 12 px or more on a 1280 px screen; a tall graph "
                                 "goes on several pages. Example: bpcalc grad -f net.txt "
                                 "--point net.json --svg net.svg --slide")]
              if pictures else []),
            click.option("--terminal-svg", "shot_svg", metavar="FILE",
                         help="Also save the text view as an SVG screenshot of the terminal."),
            click.option("--terminal-html", "shot_html", metavar="FILE",
                         help="Also save the text view as HTML."),
        ]):
            f = opt(f)
        return collect(View, "view")(f)
    return decorate


def _slide(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--slide: kept for show.save_pictures (the commands hand it --svg and --html only)."""
    ctx.meta["bpcalc.slide"] = value


def _show_digits(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    """--digits: every view the command renders shows numbers with this many digits."""
    ctx.with_resource(showing(value))


def choose_format(fmt: str, as_json: bool, svg: str | None, html: str | None) -> str:
    """The format to print: --format, or for auto a table on a terminal and JSON in a pipe
    (--terminal-svg and --terminal-html save the table view beside either, and never
    change stdout; `svg` and `html` here are those two)."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    if as_json:
        fmt = "json"
    if fmt == "auto":
        fmt = "table" if stdout_is_terminal() else "json"
    if (svg or html) and fmt not in ("table", "tree", "json"):
        raise click.UsageError("--terminal-svg and --terminal-html save the table or tree "
                               f"view; they do not go with --format {fmt}")
    pictures = svg or html or ctx.params.get("svg") or ctx.params.get("html")
    if ctx.meta.get("bpcalc.slide") and not (ctx.params.get("svg") or ctx.params.get("html")):
        raise click.UsageError("--slide lays out the --svg and --html pictures: give one of "
                               "them too")
    if fmt == "json" and not pictures and any(p.name == "digits" for p in ctx.command.params) \
            and ctx.get_parameter_source("digits") is ParameterSource.COMMANDLINE:
        raise click.UsageError("--digits sets what the screen and pictures show; JSON always "
                               "has every digit (leave out --digits, or use --format table "
                               "or plain)")
    return fmt


def reader_left() -> None:
    """`bpcalc ... | head`: the reader left. Not an error of ours: exit 0, with stdout
    pointed at /dev/null so that nothing more fails on the way out."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


def write_text(path: str, text: str) -> None:
    """Write a file the user named; a place that cannot be written is bad input."""
    if path == "-":
        raise InputError("--svg and --html write a file: give its name (stdout has the "
                         "command's own output)")
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None


def reject_given(ctx: click.Context, allowed: set[str], why: str) -> None:
    """A usage error for any option given on the command line that is not in `allowed`."""
    from click.core import ParameterSource

    for param in ctx.command.params:
        name = param.name or ""
        if name in allowed or not isinstance(param, click.Option):
            continue
        if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            raise click.UsageError(f"{param.opts[-1]} does not go with {why}")


def request(source: Source, *, wrt: str | None = None, mode: str | None = None) -> Request:
    """The command's one request (api/request.py): the expression or program, to be read
    once, its values (NAME=VALUE pairs and the --point file's, fills drawn with --seed),
    --wrt, --output and the mode. Every stage takes it; none reads the text again."""
    from ..api.request import request as make

    meta = click.get_current_context().meta
    path = meta.get("bpcalc.point")
    args, file = source.args, source.file
    if path == "-" and (file == "-" or (file is None and args[:1] == ("-",))):
        raise InputError("the program and --point cannot both come from standard input")
    text, rest = read_source(args, file)
    values: dict[str, str | float] = dict(assignments(rest))
    if path is not None:
        given = read_point(path)
        if not given.keys().isdisjoint(values):  # this walks the pairs, not the file's 10^5
            twice = [name for name in given if name in values]
            raise InputError(f"{twice[0]} is given a value twice: as {twice[0]}=VALUE "
                             "and in --point")
        values = {**given, **values}
    return make(text, values, wrt=names(wrt, "--wrt"), output=names(source.outputs, "--output"),
                mode=mode, seed=seed(), max_nodes=meta.get("bpcalc.limit"))


