"""A graph laid out in layers, as the article draws it: inputs below, the output on top,
every edge going up, each edge's label in the gap above its operand.

A layered (Sugiyama) layout of our own, in loops: ranks by longest path (an input sits
one layer below its first use), dummy points where an edge spans several layers,
barycentre sweeps that keep the ordering with the fewest crossings, then x positions
pulled toward each node's neighbours without overlapping. Labels are packed in rows
inside the gap an edge starts in, so that no label covers a node or another label.

Sizes are in pixels of a monospaced font (CHAR wide, LINE high), so that a label's
width is known from its text. Nothing here draws: svg.py, stepper.py and tikz.py do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

CHAR, LINE = 7.8, 17.0  # a 13 px monospaced character: its advance and its line height
PAD_X, PAD_Y = 10.0, 6.0  # inside a node's box
GAP_X = 28.0  # between two boxes of a layer
MARGIN = 24.0  # above and below the drawing
SIDE = 10.0  # left and right of it: the drawing is as wide as its graph, and little more
MAX_ROWS = 12  # label rows in one gap; past it labels may touch (a very dense graph)
SWEEPS = 12  # barycentre sweeps, each up then down


class Box(NamedTuple):
    x: float  # centre
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2


class Drawing(NamedTuple):
    boxes: list[Box]  # per node
    routes: list[list[tuple[float, float]]]  # per edge: from its operand up to its node
    labels: list[Box | None]  # per edge
    width: float
    height: float


def text_box(lines: Sequence[str]) -> tuple[float, float]:
    """The width and height of a box around these lines."""
    return (max((len(s) for s in lines), default=1) * CHAR + 2 * PAD_X,
            max(len(lines), 1) * LINE + 2 * PAD_Y)


def ranks(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Each node's layer: operations one above their highest operand (edges come in
    evaluation order); a node with no operands one below its lowest use."""
    rank = [0] * n
    has_operands = [False] * n
    for src, dst in edges:
        has_operands[dst] = True
        rank[dst] = max(rank[dst], rank[src] + 1)
    lowest_use = [-1] * n
    for src, dst in edges:
        if not has_operands[src]:
            use = rank[dst]
            lowest_use[src] = use if lowest_use[src] < 0 else min(lowest_use[src], use)
    for i in range(n):
        if not has_operands[i] and lowest_use[i] > 0:
            rank[i] = lowest_use[i] - 1
    return rank


def layout(node_lines: Sequence[Sequence[str]], edges: Sequence[tuple[int, int]],
           label_lines: Sequence[Sequence[str]], dummies: bool = True) -> Drawing:
    """Boxes for nodes with these text lines (a node without lines is a small square),
    routes for the edges (src, dst), and a box for each edge's label (None for an edge
    without one). Without `dummies` a long edge is one straight segment (the structure
    of a big graph: its dummy points would cost more than the drawing is worth)."""
    n = len(node_lines)
    rank = ranks(n, edges)
    top = max(rank, default=0)
    sizes = [text_box(lines) if lines else (12.0, 12.0) for lines in node_lines]
    point_rank, chains = _chains(rank, edges, dummies)
    points = len(point_rank)
    below: list[list[int]] = [[] for _ in range(points)]
    above: list[list[int]] = [[] for _ in range(points)]
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            below[b].append(a)
            above[a].append(b)
    layers: list[list[int]] = [[] for _ in range(top + 1)]
    for p in range(points):
        layers[point_rank[p]].append(p)
    layers = _order(layers, below, above)
    xs = _xs(layers, below, above, [sizes[p][0] if p < n else 2.0 for p in range(points)])
    layer_h = [max([sizes[p][1] for p in layer if p < n] + [LINE]) for layer in layers]
    label_w = [text_box(lines)[0] if lines else 0.0 for lines in label_lines]
    label_h = [len(lines) * LINE + 4 for lines in label_lines]
    row_h = max(label_h, default=LINE) or LINE
    ends = [_first_segment(k, chain, rank, sizes, xs, layer_h, chains)
            for k, chain in enumerate(chains)]
    rows_of: dict[int, tuple[int, int]] = {}  # edge -> (row, rows in its gap)
    gap_rows = [0] * (top + 1)
    for r in range(top + 1):  # the labels of the edges leaving layer r, in the gap above it
        ks = [k for k, chain in enumerate(chains) if label_lines[k] and rank[chain[0]] == r]
        rows_of.update(_pack(ks, ends, label_w, row_h))
        gap_rows[r] = max([rows_of[k][1] for k in ks] + [0])
    ys = [0.0] * (top + 1)  # from the top: the highest layer first
    y = MARGIN
    for r in range(top, -1, -1):
        ys[r] = y + layer_h[r] / 2
        y += layer_h[r] + ((gap_rows[r - 1] + 1) * row_h if r else 0.0)
    boxes = [Box(xs[i], ys[rank[i]], *sizes[i]) for i in range(n)]
    routes = [[(xs[c[0]], boxes[c[0]].top), *((xs[p], ys[point_rank[p]]) for p in c[1:-1]),
               (_entry(k, c[-1], chains, xs, sizes[c[-1]][0]), boxes[c[-1]].bottom)]
              for k, c in enumerate(chains)]
    labels: list[Box | None] = [None] * len(chains)
    for k, (row, rows) in rows_of.items():
        r = rank[chains[k][0]]
        gap_top = ys[r + 1] + layer_h[r + 1] / 2
        labels[k] = Box(_at_row(ends[k], row, rows, row_h), gap_top + (row + 1) * row_h,
                        label_w[k], label_h[k])
    return _framed(boxes, routes, labels, y + MARGIN)


def _chains(rank: list[int], edges: Sequence[tuple[int, int]],
            dummies: bool) -> tuple[list[int], list[list[int]]]:
    """The rank of every point (nodes, then dummy points) and each edge's chain of points:
    an edge over k layers passes k - 1 dummy points."""
    point_rank = list(rank)
    chains: list[list[int]] = []
    for src, dst in edges:
        chain = [src]
        for r in range(rank[src] + 1, rank[dst]) if dummies else ():
            point_rank.append(r)
            chain.append(len(point_rank) - 1)
        chain.append(dst)
        chains.append(chain)
    return point_rank, chains


def _first_segment(k: int, chain: list[int], rank: list[int],
                   sizes: list[tuple[float, float]], xs: list[float], layer_h: list[float],
                   chains: list[list[int]]) -> tuple[float, float, float, float]:
    """Where edge k's first segment starts and ends, for its label: (x at its operand,
    how far below the gap the operand's top is, x at its end, how far above the gap the
    end is: its node's bottom at its entry point, or a dummy point)."""
    n = len(sizes)
    a, b = chain[0], chain[1]
    r = rank[a]
    x1 = _entry(k, b, chains, xs, sizes[b][0]) if b < n else xs[b]
    drop = layer_h[r + 1] / 2 - (sizes[b][1] / 2 if b < n else 0.0)
    return xs[a], (layer_h[r] - sizes[a][1]) / 2, x1, drop


def _framed(boxes: list[Box], routes: list[list[tuple[float, float]]],
            labels: list[Box | None], height: float) -> Drawing:
    """The drawing moved so that its leftmost box or label (a label may jut out) is SIDE
    from the left, and as wide as its rightmost one and SIDE."""
    shown = [*boxes, *(lb for lb in labels if lb is not None)]
    shift = SIDE - min((b.x - b.w / 2 for b in shown), default=SIDE)
    boxes = [b._replace(x=b.x + shift) for b in boxes]
    labels = [lb if lb is None else lb._replace(x=lb.x + shift) for lb in labels]
    routes = [[(x + shift, y) for x, y in route] for route in routes]
    right = max([b.x + b.w / 2 for b in boxes] + [lb.x + lb.w / 2 for lb in labels if lb]
                + [0.0])
    return Drawing(boxes, routes, labels, right + SIDE, height)


def _at_row(end: tuple[float, float, float, float], row: int, rows: int,
            row_h: float) -> float:
    """The x where an edge's first segment crosses the centre of label row `row` in a gap
    of `rows` rows (heights measured from the gap's top, downward)."""
    x0, below, x1, drop = end
    gap = (rows + 1) * row_h
    y0, y1, y = gap + below, -drop, (row + 1) * row_h
    return x0 + (x1 - x0) * (y0 - y) / (y0 - y1)


def _entry(k: int, dst: int, chains: list[list[int]], xs: list[float], w: float) -> float:
    """Where edge k meets its node's bottom: the node's incoming edges spread over the
    middle of its width (w), in the order their last points come from the left."""
    incoming = sorted((xs[c[-2]], j) for j, c in enumerate(chains) if c[-1] == dst)
    if len(incoming) == 1:
        return xs[dst]
    slot = [j for _, j in incoming].index(k)
    span = w * 0.6
    return xs[dst] - span / 2 + span * slot / (len(incoming) - 1)


def _crossings(upper: list[int], lower: list[int], below: list[list[int]]) -> int:
    """Edge crossings between a layer and the one below it."""
    pos = {p: i for i, p in enumerate(lower)}
    ends = [(i, pos[q]) for i, p in enumerate(upper) for q in below[p] if q in pos]
    return sum(1 for a in range(len(ends)) for b in range(a + 1, len(ends))
               if (ends[a][0] - ends[b][0]) * (ends[a][1] - ends[b][1]) < 0)


def _order(layers: list[list[int]], below: list[list[int]],
           above: list[list[int]]) -> list[list[int]]:
    """Barycentre sweeps; the ordering with the fewest crossings seen is kept."""
    def total(ls: list[list[int]]) -> int:
        return sum(_crossings(ls[r + 1], ls[r], below) for r in range(len(ls) - 1))

    size = sum(len(layer) for layer in layers)
    best, best_cost = [list(layer) for layer in layers], total(layers) if size <= 400 else 0
    current = [list(layer) for layer in layers]
    for _ in range(SWEEPS if size <= 400 else 2):
        for r in range(1, len(current)):  # up: by the positions of the points below
            _sort_by(current[r], current[r - 1], below)
        for r in range(len(current) - 2, -1, -1):  # down: by the points above
            _sort_by(current[r], current[r + 1], above)
        if size > 400:
            best = current
            continue
        cost = total(current)
        if cost < best_cost:
            best, best_cost = [list(layer) for layer in current], cost
        if not best_cost:
            break
    return best


def _sort_by(layer: list[int], other: list[int], near: list[list[int]]) -> None:
    pos = {p: i for i, p in enumerate(other)}
    here = {p: i for i, p in enumerate(layer)}

    def key(p: int) -> float:
        ns = [pos[q] for q in near[p] if q in pos]
        return sum(ns) / len(ns) if ns else float(here[p])

    layer.sort(key=key)


def _xs(layers: list[list[int]], below: list[list[int]], above: list[list[int]],
        width: list[float]) -> list[float]:
    """x of every point: packed left to right, then pulled toward the mean of its
    neighbours a few times, never closer to the next box than GAP_X."""
    xs = [0.0] * len(width)
    for layer in layers:
        x = MARGIN
        for p in layer:
            xs[p] = x + width[p] / 2
            x += width[p] + GAP_X
    for _ in range(8):
        for layer in layers:
            want = []
            for p in layer:
                ns = below[p] + above[p]
                want.append(sum(xs[q] for q in ns) / len(ns) if ns else xs[p])
            _place(layer, want, width, xs)
    low = min((xs[p] - width[p] / 2 for p in range(len(xs))), default=MARGIN)
    return [x - low + MARGIN for x in xs]


def _place(layer: list[int], want: list[float], width: list[float], xs: list[float]) -> None:
    """Put the layer's points as near `want` as their order and widths allow: a sweep
    right pushing apart, one left, and the mean of the two."""
    n = len(layer)
    right, left = list(want), list(want)
    for i in range(1, n):
        a, b = layer[i - 1], layer[i]
        right[i] = max(right[i], right[i - 1] + (width[a] + width[b]) / 2 + GAP_X)
    for i in range(n - 2, -1, -1):
        a, b = layer[i], layer[i + 1]
        left[i] = min(left[i], left[i + 1] - (width[a] + width[b]) / 2 - GAP_X)
    for i, p in enumerate(layer):
        xs[p] = (right[i] + left[i]) / 2
    for i in range(1, n):  # the mean can still be too close: push right once more
        a, b = layer[i - 1], layer[i]
        xs[b] = max(xs[b], xs[a] + (width[a] + width[b]) / 2 + GAP_X)


def _pack(ks: list[int], ends: list[tuple[float, float, float, float]],
          label_w: list[float], row_h: float) -> dict[int, tuple[int, int]]:
    """Rows for the labels of one gap: the fewest rows (up to MAX_ROWS) in which labels,
    each centred on its edge at its row's height, do not overlap."""
    if not ks:
        return {}
    for rows in range(1, MAX_ROWS + 1):
        placed: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
        got: dict[int, tuple[int, int]] = {}
        for k in sorted(ks, key=lambda k: ends[k][0]):
            for row in range(rows):
                x = _at_row(ends[k], row, rows, row_h)
                lo, hi = x - label_w[k] / 2 - 4, x + label_w[k] / 2 + 4
                if all(hi <= l0 or lo >= h0 for l0, h0 in placed[row]):
                    placed[row].append((lo, hi))
                    got[k] = (row, rows)
                    break
            else:
                break
        if len(got) == len(ks):
            return got
    return {k: (i % MAX_ROWS, MAX_ROWS) for i, k in enumerate(ks)}  # too dense: rows anyway
