"""What each kind of result looks like in each format: one table of renderers, (kind,
format) -> a function of the API's result and the view's options that gives rich
renderables (a list) or text (a str). The command line's `show` prints through it
(cli/show.py); so can anything that shows a result (a notebook's text view).

Nothing here computes, and nothing is imported before a renderer runs: rich and SymPy
stay off `import bpcalc`. (No `from __future__ import annotations`: Options's field types
as strings would each be compiled when the class is made.)
"""

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple


class Options(NamedTuple):
    """What a view may be asked for beyond its format (the command line's View has these
    fields too)."""

    steps: bool = False  # grad: the pass as a numbered trace
    latex: bool = False  # formulas as LaTeX
    label: str = ""  # descend: where the data came from


Renderer = Callable[[Any, Any], "list[Any] | str"]


def render(result: Any, fmt: str = "table", options: Any = None) -> list[Any] | str:
    """`result` in `fmt` (table, tree, plain, tikz, dot, mermaid, jsonl, as its command
    offers them), with `options` (an Options; None: the defaults)."""
    found = RENDERERS.get((result.kind, fmt))
    if found is None:
        offered = ", ".join(f for k, f in RENDERERS if k == result.kind)
        raise ValueError(f"a {result.kind} result has no {fmt} view; it has: {offered}")
    return found(result, Options() if options is None else options)


def _grad_plain(r: Any, view: Options) -> str:
    from ..render import formula_view as fv
    from ..render import plain
    from ..render import symbolic_view as sv

    lines = [plain.render(r.result, steps=view.steps)]
    if r.symbolic is not None:
        lines += ["", *fv.lines(r.symbolic, view.latex, header=False)]
    if r.exact is not None:
        lines += ["", *sv.exact_lines(r.result, r.exact)]
    if r.check is not None:
        lines += ["", *sv.check_lines(r.check)]
    return "\n".join(lines) + "\n"


def _grad_rich(r: Any, view: Options, tree: bool = False) -> list[Any]:
    from ..render import formula_view as fv
    from ..render import rich_view
    from ..render import symbolic_view as sv

    parts = rich_view.tree_view(r.result) if tree else rich_view.grad_view(r.result, view.steps)
    if tree and view.steps:
        parts.insert(-1, rich_view.steps_text(r.result))
    if r.symbolic is not None:
        parts.extend(fv.view(r.symbolic, view.latex, header=False))
    if r.exact is not None:
        parts.append(sv.exact_view(r.result, r.exact))
    if r.check is not None:
        parts.append(sv.check_view(r.check))
    return parts


def _tikz(r: Any, view: Options) -> str:
    from ..render import tikz

    if r.kind == "graph":
        return tikz.tikz(r.result, command="graph")
    return tikz.tikz(r.result, r.drawn)


def _diagram(fmt: str) -> Renderer:
    def draw(r: Any, view: Options) -> str:
        from ..render import diagram

        return str(getattr(diagram, fmt)(r.result))
    return draw


def _rich(module: str, name: str, *args: Any) -> Renderer:
    """A renderer that calls render/MODULE.NAME(r.result, *args)."""
    def render(r: Any, view: Options) -> list[Any]:
        return list(getattr(importlib.import_module(f"..render.{module}", __package__),
                            name)(r.result, *args))
    return render


def _lines(module: str, name: str) -> Renderer:
    """A renderer of text lines: render/MODULE.NAME(r.result)."""
    def render(r: Any, view: Options) -> str:
        fn = getattr(importlib.import_module(f"..render.{module}", __package__), name)
        return "\n".join(fn(r.result)) + "\n"
    return render


def _directional_table(r: Any, view: Options) -> list[Any]:
    from ..render import second_view
    from ..render.layout import Lines

    return [Lines(lambda width: second_view.directional_lines(r.result, width))]


def _cost_table(r: Any, view: Options) -> list[Any]:
    from ..render import rich_view

    return list(rich_view.cost_view(r.expression, r.outputs, r.result))


def _diff(plain: bool) -> Renderer:
    def render(r: Any, view: Options) -> list[Any] | str:
        from ..render import formula_view as fv

        if plain:
            return "\n".join(fv.lines(r.result, view.latex)) + "\n"
        return list(fv.view(r.result, view.latex))
    return render


def _descend(plain: bool) -> Renderer:
    def render(r: Any, view: Options) -> str:
        from ..numbers import SCREEN_DIGITS, showing
        from ..render import descend_view
        from ..render.plain import width

        with showing(SCREEN_DIGITS):
            return "\n".join(descend_view.lines(r.result, view.label, width(),
                                                plain=plain)) + "\n"
    return render


def _descend_jsonl(r: Any, view: Options) -> str:
    """The JSON Lines' last line: the run's result without its history."""
    from ..render import json_text

    return json_text.render({"final": {k: v for k, v in r.to_dict().items()
                                       if k != "history"}}) + "\n"


RENDERERS: dict[tuple[str, str], Renderer] = {
    ("grad", "table"): _grad_rich,
    ("grad", "tree"): lambda r, view: _grad_rich(r, view, tree=True),
    ("grad", "plain"): _grad_plain,
    ("grad", "tikz"): _tikz,
    ("directional", "table"): _directional_table,
    ("directional", "plain"): _lines("second_view", "directional_lines"),
    ("graph", "table"): _rich("rich_view", "graph_view"),
    ("graph", "tree"): _rich("rich_view", "tree_view", "graph"),
    ("graph", "dot"): _diagram("dot"),
    ("graph", "mermaid"): _diagram("mermaid"),
    ("graph", "tikz"): _tikz,
    ("cost", "table"): _cost_table,
    ("hessian", "table"): _rich("second_view", "hessian_view"),
    ("hessian", "plain"): _lines("second_view", "hessian_lines"),
    ("diff", "table"): _diff(plain=False),
    ("diff", "plain"): _diff(plain=True),
    ("descend", "table"): _descend(plain=False),
    ("descend", "plain"): _descend(plain=True),
    ("descend", "jsonl"): _descend_jsonl,
}
