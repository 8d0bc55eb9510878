"""What a math error says beyond its node: the arithmetic that failed, and the path that
made it matter. JAX's debug_nans and PyTorch's detect_anomaly stop at the operation;
these name the cause: `∂b/∂x = 1/(2*sqrt(x)) = 1/(2*sqrt(0)) = ∞`, needed because
`∂out/∂b = 3` on the path x → b → out.

Only an error that is raised comes here, so nothing in this module is on a fast path.
"""

from __future__ import annotations

from collections.abc import Sequence

from .graphs.graph import Graph, Node
from .numbers import number_text
from .ops import OPS, definition_text, partial_text

SHOWN = 8  # a longer path shows its first and last nodes


def _operand_texts(graph: Graph, node: Node, argv: Sequence[float] | None) -> list[str]:
    """The operands as the definition writes them (ids and numbers), or their values."""
    if argv is not None:
        return [number_text(v) for v in argv]
    return [graph.ids[a] if type(a) is int else number_text(a) for a in node.args]


def arithmetic(graph: Graph, dst: int, slot: int | None, argv: Sequence[float],
               why: str) -> str:
    """The failing step written out: `log(-1) is undefined`, `∂b/∂x = 1/(2*sqrt(x)) =
    1/(2*sqrt(0)) = ∞` (slot None: the value; else that operand's partial)."""
    node = graph.nodes[dst]
    row = OPS[node.op]
    infinite = why in ("division by zero", "overflows a double")
    if slot is None:
        at = definition_text(row, _operand_texts(graph, node, argv))
        if why == "division by zero":
            return at
        return f"{at} = ∞" if infinite else f"{at} is undefined"
    operand = node.args[slot]
    src = graph.ids[operand] if isinstance(operand, int) else "?"
    formula = partial_text(row, slot, _operand_texts(graph, node, None))
    at = partial_text(row, slot, _operand_texts(graph, node, argv))
    steps = [f"∂{node.id}/∂{src}", formula] + ([at] if at != formula else [])
    return " = ".join(steps) + (" = ∞" if infinite else " is undefined")


def path(graph: Graph, start: int, ends: Sequence[int], downstream: bool,
         through: Sequence[bool] | None = None) -> list[int]:
    """A path from `start` to one of `ends` along the edges (downstream) or against them,
    entering only nodes marked in `through` (all when None): the first found, in edge
    order. Empty when there is none."""
    n = len(graph.keys)
    goal = [False] * n
    for j in ends:
        goal[j] = True
    # mark what reaches a goal (walking the edges the other way), then follow the marks
    reach = list(goal)
    pairs = list(zip(graph.esrc, graph.edst))
    order = reversed(pairs) if downstream else iter(pairs)
    for a, b in order:
        here, there = (a, b) if downstream else (b, a)
        if reach[there] and (through is None or through[here]):
            reach[here] = True
    if not reach[start]:
        return []
    step: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs:
        here, there = (a, b) if downstream else (b, a)
        step[here].append(there)
    trail = [start]
    while not goal[trail[-1]]:
        trail.append(next(v for v in step[trail[-1]] if reach[v]))
    return trail if downstream else trail[::-1]


def path_text(graph: Graph, nodes: Sequence[int]) -> str:
    """`x → b → out`; a long path `x → b → c → … → y → out (1,203 nodes)`."""
    ids = [graph.ids[v] for v in nodes]
    if len(ids) <= SHOWN:
        return " → ".join(ids)
    return " → ".join([*ids[:3], "…", *ids[-2:]]) + f" ({len(ids):,} nodes)"
