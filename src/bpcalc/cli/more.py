"""bpcalc hessian, diff, graph and cost.
"""

from __future__ import annotations

import click

from .common import (
    VIEW_FORMATS,
    ExprCommand,
    analyse,
    choose_format,
    load,
    names,
    print_json,
    print_rich,
    run,
    source_options,
    view_options,
    warn,
)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only these inputs' rows and columns.")
@view_options(("auto", "table", "plain", "json"),
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
    fmt = choose_format(fmt, as_json, svg, html)
    from .. import second

    source, values = load(args, file)
    h = run(second.hessian_result, source, values, wrt=names(wrt, "--wrt"),
            output=names(outputs, "--output"))
    if fmt == "json":
        print_json(h.to_dict())
        return
    warn(h.warnings)
    from ..render import second_view

    if fmt == "plain":
        click.echo("\n".join(second_view.hessian_lines(h)))
    else:
        print_rich(second_view.hessian_view(h), color, svg, html)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only the partials with respect to these inputs.")
@click.option("--latex", is_flag=True, help="Formulas as LaTeX.")
@click.option("--budget", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="Time allowed for SymPy; past it the result is skipped.")
@view_options(("auto", "table", "plain", "json"),
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
    fmt = choose_format(fmt, as_json, svg, html)
    from .. import symbolic as sym

    source, values = load(args, file)
    dv = run(sym.derive, source, values or None, wrt=names(wrt, "--wrt"),
             outputs=names(outputs, "--output"), budget=budget)
    from ..render import symbolic_view as sv

    if fmt == "json":
        print_json({"schema": "bpcalc/diff", "version": 1, "expression": source,
                     **dv.to_dict()})
    elif fmt == "plain":
        click.echo("\n".join(sv.derivation_lines(dv, latex)))
    else:
        print_rich([sv.derivation_view(dv, latex)], color, svg, html)


@click.command(cls=ExprCommand)
@source_options
@click.option("--mode", type=click.Choice(["reverse", "forward"]),
              help="With values: also show each node's adjoint or tangent.")
@view_options(VIEW_FORMATS[:2] + ("tree", "json", "dot", "mermaid"),
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
    fmt = choose_format(fmt, as_json, svg, html)
    result = analyse(args, file, outputs, need_values=mode is not None, mode=mode)
    if fmt == "json":
        print_json(result.graph_dict())
    elif fmt in ("dot", "mermaid"):
        from ..render import diagram

        click.echo(getattr(diagram, fmt)(result), nl=False)
    else:
        from ..render import rich_view

        parts = rich_view.tree_view(result) if fmt == "tree" else rich_view.graph_view(result)
        print_rich(parts, color, svg, html)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Count only these inputs.")
@view_options(("auto", "table", "json"),
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
    fmt = choose_format(fmt, as_json, svg, html)
    result = analyse(args, file, outputs, need_values=False, wrt=names(wrt, "--wrt"),
                      with_cost=True)
    assert result.cost is not None
    if fmt == "json":
        data = {"schema": "bpcalc/cost", "version": 1, "expression": result.expression,
                **result.cost.to_dict()}
        print_json(data)
        return
    from ..render import rich_view

    print_rich(rich_view.cost_view(result.expression, result.cost), color, svg, html)

