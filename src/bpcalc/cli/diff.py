"""bpcalc diff: symbolic partial derivatives, no values needed."""

from __future__ import annotations

import sys

import click

from .common import ExprCommand, Source, View, request, source_options, view_options


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only the partials with respect to these inputs.")
@click.option("--latex", is_flag=True, help="Formulas as LaTeX.")
@click.option("--expand", "sympy_expand", is_flag=True,
              help="Also each partial expanded in the inputs alone (SymPy, within --budget).")
@click.option("--check", "check", is_flag=True,
              help="Evaluate every formula at the point given and compare it with the "
                   "engine's adjoints and gradient; exit 1 if one disagrees.")
@click.option("--budget", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="--expand: time allowed for SymPy.")
@view_options(("auto", "table", "plain", "json"),
               "auto: a table on a terminal, JSON in a pipe or file.")
def diff(source: Source, view: View, wrt: str | None, sympy_expand: bool, check: bool,
         budget: float) -> None:
    """Backpropagation as formulas: every partial derivative of EXPR in the
    program's own names, factored as the reverse pass computes it.

    Each named node v gets its adjoint δ_v = ∂out/∂v, written from the ones above
    it (δ_h1 = δ_out·u1), and each partial reuses them (∂L/∂w11 =
    δ_a1·(1 - a1^2)·x1). Local derivatives are spelled as grad's edge table spells
    them; an unnamed intermediate a formula needs is written out, or named by its
    id in a `where` line (∂e/∂b = c + d, where c = a + b, d = b + 1). No values are
    needed; with NAME=VALUE each formula is also evaluated there. --expand adds
    SymPy's derivative in the inputs alone. A program with families gets one
    formula a family, in its indices (δ_h1[j] = Σ_k δ_h2[k]·(h2[k] > 0)·W2[k,j]).

    \b
    Examples:
      bpcalc diff "(a+b)*(b+1)"
      bpcalc diff -f examples/net.txt
      bpcalc diff -f examples/neuron.txt --point examples/neuron.json --check
      bpcalc diff "sin(x)*exp(y)" --latex --expand
      bpcalc diff "h[j] = tanh(w[j]*x); y = sum(h[j] for j)" "w=[1,2]" x=0.5 --check
    """
    view = view.chosen()
    from .. import api
    from .show import show

    r = api.run_diff(request(source, wrt=wrt), check=check, expand=sympy_expand,
                     budget=budget)
    show(r, view)
    if not r.passed:
        click.echo("Error: --check failed: a formula disagrees with the engine", err=True)
        sys.exit(1)
