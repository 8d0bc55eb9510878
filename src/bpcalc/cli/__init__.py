"""The command line: parse arguments, call the engine, pick a renderer, print once.

One module per command; what they share is in common.py. The one error boundary is the
group's `invoke`: a library error (BpcalcError) becomes one line on stderr and its exit
status, 2 for bad input and 1 for a math error; `_run` maps everything else.
"""

from __future__ import annotations

import gc
import os
import sys

import click

from .. import __version__
from ..errors import BpcalcError, ParseError
from .common import reader_left, stdout_is_terminal
from .cost import cost
from .descend import descend
from .diff import diff
from .emit import emit
from .grad import grad
from .graph import graph
from .hessian import hessian

__all__ = ["cli", "entry", "main", "stdout_is_terminal"]


class _Group(click.Group):
    """bpcalc's commands, with the one place where library errors become exit statuses."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BpcalcError as exc:  # a retry line names the command run
            said = exc.render(ctx.invoked_subcommand or "grad") \
                if isinstance(exc, ParseError) else exc
            click.echo(f"Error: {said}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # `| head`: before click's own handler, which exits 1
            reader_left()
        except KeyboardInterrupt:  # Ctrl-C: 130 as shells say, not click's "Aborted!" and 1
            click.echo("", err=True)
            ctx.exit(130)
        return None  # (ctx.exit and reader_left never return)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
      bpcalc emit "(a+b)*(b+1)" --lang c
      bpcalc descend "(w*x + b - y)^2" --params w=0,b=0 --data examples/line.csv

    Run `bpcalc COMMAND --help` (or `bpcalc help COMMAND`) for the input
    language and every option.
    """
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # exact path counts such as 3^10000 have 4772 digits


@cli.command("help")
@click.argument("command", required=False, metavar="[COMMAND]")
@click.pass_context
def help_(ctx: click.Context, command: str | None) -> None:
    """The help of COMMAND, as `bpcalc COMMAND --help` prints it (without COMMAND:
    bpcalc's own, as `bpcalc --help`).

    \b
    Examples:
      bpcalc help grad
      bpcalc help
    """
    top = ctx.find_root()
    if command is None:
        click.echo(top.get_help())
        return
    found = cli.get_command(top, command)
    if found is None:
        known = ", ".join(c for c in cli.list_commands(top) if c != "help")
        raise click.UsageError(f"no command {command!r}; the commands are: {known}")
    with click.Context(found, info_name=command, parent=top) as sub:
        click.echo(found.get_help(sub))


for _command in (grad, graph, cost, hessian, diff, emit, descend):
    cli.add_command(_command)


def main() -> None:
    """Run the command line in this process; ends with SystemExit, as any click program."""
    sys.exit(_run())


def entry() -> None:
    """The `bpcalc` command and `python -m bpcalc`: a process of its own, ended at once."""
    # A short-lived process whose graphs hold no reference cycles: the cycle collector
    # only rescans a growing heap (about 30% of the time on a 10^5-node program).
    gc.disable()
    _leave(_run())


def _run() -> int | str | None:
    """The exit status of one command line: 2 bad input, 1 math error, 3 a bug of ours."""
    try:
        cli(prog_name="bpcalc")
    except SystemExit as exc:
        return exc.code if exc.code is None or isinstance(exc.code, int) else str(exc.code)
    except BrokenPipeError:  # `bpcalc ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        click.echo("Error: out of memory", err=True)
        return 1
    except OSError as exc:  # writing the output failed: a closed stdout, a full disk
        click.echo(f"Error: cannot write the output: {exc.strerror or exc}", err=True)
        return 1
    except Exception as exc:  # a bug of ours: say so in one line, never a traceback
        if os.environ.get("BPCALC_DEBUG"):
            raise
        click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); this is a bug in "
                   "bpcalc: please report it with the command (BPCALC_DEBUG=1 shows the "
                   "traceback)", err=True)
        return 3
    return 0


def _leave(code: object) -> None:
    """Flush and end the process at once: freeing a million-node graph object by object
    at exit takes longer than anything the user asked for, and the OS frees it anyway."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        click.echo(str(code), err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        if stream is None or stream.closed:  # `bpcalc ... >&-`
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # the reader left before the end: not an error of ours
            pass
        except OSError as exc:  # a full disk, say: the output is not all there
            if stream is sys.stdout and sys.stderr is not None and not sys.stderr.closed:
                sys.stderr.write(f"Error: cannot write the output: {exc.strerror or exc}\n")
                sys.stderr.flush()
            code = 1
    os._exit(code)
