"""bpcalc emit: the gradient as a self-contained function in Python, C or JavaScript."""

from __future__ import annotations

import sys

import click

from .common import ExprCommand, Source, request, source_options


@click.command(cls=ExprCommand)
@source_options
@click.option("--lang", type=click.Choice(["python", "c", "js"]), default="python",
              show_default=True, help="The language to write.")
@click.option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse",
              show_default=True,
              help="reverse: one sweep per output (backpropagation); forward: one pass per input.")
@click.option("--wrt", metavar="X,Y", help="Differentiate only by these inputs.")
@click.option("--name", default="f", show_default=True,
              help="The function's name: f gives f_grad (fGrad in JavaScript).")
@click.option("--direction", "jvp", is_flag=True,
              help="With --mode forward: a Jacobian-vector product function (f_jvp), the "
                   "direction's components as parameters v_x, ...")
@click.option("--cotangent", "vjp", is_flag=True,
              help="With --mode reverse: a vector-Jacobian product function (f_vjp), each "
                   "output's cotangent as a parameter u_f, ...")
@click.option("-o", "--out", "out_file", metavar="FILE", help="Write the code to FILE.")
@click.option("--check", "do_check", is_flag=True,
              help="Run the function in every language (C through cc, JavaScript through "
                   "node, where present) at the point given or at random points, against "
                   "the engine to 1e-12; a report on stderr, exit 1 on a mismatch.")
def emit(source: Source, lang: str, mode: str, wrt: str | None, name: str, jvp: bool,
         vjp: bool, out_file: str | None, do_check: bool) -> None:
    """Write the derivative of EXPR as source code: one self-contained function,
    every derivative line traced to its edge.

    The forward sweep uses the program's names; reverse mode names each adjoint
    after the output (de_dc is ∂e/∂c), forward mode each tangent after the input
    (dc_da is ∂c/∂a), one statement per edge with a comment quoting it, in the
    order of grad's reverse table. Only Python's math, C99's math.h or
    JavaScript's Math are used. Where bpcalc would report a math error the
    function raises (Python), throws (JavaScript) or returns NAN and sets
    f_grad_error (C), naming the node.

    \b
    Examples:
      bpcalc emit "(a+b)*(b+1)"
      bpcalc emit -f examples/net.txt --lang c -o net_grad.c
      bpcalc emit "sin(x)*y" --lang js --mode forward
      bpcalc emit "r = sqrt(x*x + y*y); phi = atan(y/x)" --output r,phi --cotangent
      bpcalc emit -f examples/neuron.txt --check
    """
    if jvp and vjp:
        raise click.UsageError("--direction (a JVP) and --cotangent (a VJP) are two functions: "
                               "choose one")
    if jvp and mode != "forward":
        raise click.UsageError("--direction writes a forward pass: add --mode forward")
    if vjp and mode != "reverse":
        raise click.UsageError("--cotangent writes a reverse pass: use --mode reverse")
    from .. import api

    r = api.run_emit(request(source, wrt=wrt, mode=mode), lang=lang, name=name, direction=jvp,
                     cotangent=vjp)
    code = r.code
    if out_file:
        try:
            with open(out_file, "w", encoding="utf-8") as fh:
                fh.write(code)
        except OSError as exc:
            raise click.BadParameter(f"cannot write {out_file}: {exc.strerror}",
                                     param_hint="-o") from None
    else:
        click.echo(code, nl=False)
    if do_check:
        for c in r.checked().checks or ():
            said = f"{c.lang}: {c.status}"
            if c.points:
                said += (f" at {c.points} point{'s' * (c.points != 1)}, largest relative "
                         f"difference from the engine {c.worst:.1e}")
            click.echo(said + (f": {c.note}" if c.note else ""), err=True)
        if not r.passed:
            sys.exit(1)
