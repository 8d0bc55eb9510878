"""bpcalc graph: the graph alone, as a table, tree, JSON, DOT or Mermaid."""

from __future__ import annotations

import click

from .common import VIEW_FORMATS, ExprCommand, Source, View, request, source_options, view_options


@click.command(cls=ExprCommand)
@source_options
@click.option("--mode", type=click.Choice(["reverse", "forward"]),
              help="With values: also show each node's adjoint or tangent.")
@view_options(VIEW_FORMATS[:2] + ("tree", "json", "dot", "mermaid", "tikz"),
              "auto: a table on a terminal, JSON in a pipe; dot (Graphviz), mermaid and "
              "tikz (LaTeX) print text to draw the graph with.", pictures=True)
def graph(source: Source, view: View, mode: str | None) -> None:
    """The graph of EXPR alone: nodes, definitions, edges, local derivatives.

    Values are optional; with NAME=VALUE for every input, nodes and edges carry
    their numbers too (and, with --mode, each node's derivative).

    \b
    Examples:
      bpcalc graph "(a+b)*(b+1)"
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --format tree
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --mode reverse --format dot | dot -Tsvg > g.svg
      bpcalc graph "(a+b)*(b+1)" --format mermaid
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --svg graph.svg
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --format tikz > graph.tex
    """
    view = view.chosen()
    from .. import api
    from .show import show

    show(api.run_graph(request(source, mode=mode)), view)
