"""Render tests: the teaching view of the seed example at a fixed width, exact text."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from bpcalc.numbers import number
from bpcalc.render import explain, plain, rich_view
from helpers import grad

SEED = "c = a + b; d = b + 1; e = c * d"  # the seed in the article's names
POINT = {"a": "2", "b": "1"}
NINE = "y = sin(x) + cos(x) + exp(x)\nz = sin(y) + cos(y) + exp(y)"


def show(parts, width: int = 80) -> str:
    buf = io.StringIO()
    console = Console(width=width, color_system=None, file=buf, highlight=False)
    for part in parts:
        console.print(part)
        console.print()
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()).strip("\n")


def seed(mode: str):
    return grad(SEED, POINT, mode=mode, with_cost=True)


def test_nodes_and_edges_tables():
    r = seed("reverse")
    assert show([rich_view.nodes_table(r), rich_view.edges_table(r)]) == """\
Nodes, in evaluation order
id   definition   value
───────────────────────
a    input        2
b    input        1
c    a + b        3
d    b + 1        2
e    c * d        6

Edges: local derivatives
edge    formula   value
───────────────────────
∂c/∂a   1         1
∂c/∂b   1         1
∂d/∂b   1         1
∂e/∂c   d         2
∂e/∂d   c         3"""


def test_reverse_table_writes_out_each_adjoint():
    assert show(rich_view.mode_tables(seed("reverse"))) == """\
Reverse pass for e: adjoints from e back to the inputs
node   ∂e/∂node   written out from the edges leaving the node
───────────────────────────────────────────────────────────────────
e      1          ∂e/∂e = 1 (seed)
d      3          ∂e/∂d = ∂e/∂e·∂e/∂d = 1·3 = 3
c      2          ∂e/∂c = ∂e/∂e·∂e/∂c = 1·2 = 2
b      5          ∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5
a      2          ∂e/∂a = ∂e/∂c·∂c/∂a = 2·1 = 2"""


def test_forward_passes_are_blocks_of_the_nodes_on_their_paths():
    assert show(rich_view.mode_tables(seed("forward"))) == """\
Forward pass for a: tangents from a towards the outputs
node   ∂v/∂a   written out from the edges entering the node
───────────────────────────────────────────────────────────
a      1       ∂a/∂a = 1 (seed)
c      1       ∂c/∂a = 1·∂a/∂a = 1·1 = 1
e      2       ∂e/∂a = d·∂c/∂a = 2·1 = 2

Forward pass for b: tangents from b towards the outputs
node   ∂v/∂b   written out from the edges entering the node
───────────────────────────────────────────────────────────
b      1       ∂b/∂b = 1 (seed)
c      1       ∂c/∂b = 1·∂b/∂b = 1·1 = 1
d      1       ∂d/∂b = 1·∂b/∂b = 1·1 = 1
e      5       ∂e/∂b = d·∂c/∂b + c·∂d/∂b = 2·1 + 3·1 = 5"""


def test_paths_tables_list_products_sums_and_counts():
    assert show(rich_view.mode_tables(seed("paths"))) == """\
Paths: the product of local derivatives along each path
path        local derivatives   product
───────────────────────────────────────
a → c → e   1·2                 2
b → c → e   1·2                 2
b → d → e   1·3                 3

Sums over paths
derivative   sum of the path products   paths
─────────────────────────────────────────────
∂e/∂a        2                          1
∂e/∂b        2 + 3 = 5                  2"""


def test_result_and_cost_line():
    r = seed("reverse")
    assert show([rich_view.result_table(r), explain.cost_line(r)]) == """\
Gradient of e = 6
derivative   value
──────────────────
∂e/∂a        2
∂e/∂b        5

cost  reverse: 1 pass, 5 edge operations · forward: 2 passes, 10 edge operations
· sum over paths: 3 paths, 6 edge operations"""


def test_tree_draws_a_shared_node_once_and_labels_totals_and_shares():
    assert show(rich_view.tree_view(seed("reverse"))) == """\
bpcalc grad  c = a + b; d = b + 1; e = c * d  at a = 2, b = 1
reverse mode (backpropagation): one pass per output, from the output back

e = c * d = 6,  ∂e/∂e = 1 (seed)
├── [∂e/∂c = d = 2]  c = a + b = 3,  total ∂e/∂c = 2
│   ├── [∂c/∂a = 1]  a = 2,  total ∂e/∂a = 2
│   └── [∂c/∂b = 1]  b = 1,  total ∂e/∂b = 5,  through c: 2·1 = 2
└── [∂e/∂d = c = 3]  d = b + 1 = 2,  total ∂e/∂d = 3
    └── [∂d/∂b = 1]  b (shown above),  through d: 3·1 = 3

Gradient of e = 6
derivative   value
──────────────────
∂e/∂a        2
∂e/∂b        5"""


VALUES = """\
values, in evaluation order:
  1. a = 2  (input)
  2. b = 1  (input)
  3. c = a + b = 3
  4. d = b + 1 = 2
  5. e = c * d = 6
"""


def test_steps_reverse_run_backwards():
    assert "\n".join(explain.steps(seed("reverse"))) == VALUES + """\
reverse pass for e, from e back to the inputs:
  6. ∂e/∂e = 1 (seed)
  7. ∂e/∂d = ∂e/∂e·∂e/∂d = 1·3 = 3
  8. ∂e/∂c = ∂e/∂e·∂e/∂c = 1·2 = 2
  9. ∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5
 10. ∂e/∂a = ∂e/∂c·∂c/∂a = 2·1 = 2"""


def test_steps_forward_run_in_evaluation_order_per_input():
    assert "\n".join(explain.steps(seed("forward"))) == VALUES + """\
forward pass for a, from a towards the outputs:
  6. ∂a/∂a = 1 (seed)
  7. ∂c/∂a = 1·∂a/∂a = 1·1 = 1
  8. ∂e/∂a = d·∂c/∂a = 2·1 = 2
forward pass for b, from b towards the outputs:
  9. ∂b/∂b = 1 (seed)
 10. ∂c/∂b = 1·∂b/∂b = 1·1 = 1
 11. ∂d/∂b = 1·∂b/∂b = 1·1 = 1
 12. ∂e/∂b = d·∂c/∂b + c·∂d/∂b = 2·1 + 3·1 = 5"""


def test_steps_paths():
    assert "\n".join(explain.steps(seed("paths"))) == VALUES + """\
paths, each the product of its edges' local derivatives:
  6. a → c → e: 1·2 = 2
  7. b → c → e: 1·2 = 2
  8. b → d → e: 1·3 = 3
sums over the paths of each input:
  9. ∂e/∂a = 2   (1 path)
 10. ∂e/∂b = 2 + 3 = 5   (2 paths)"""


def test_plain_view_has_no_box_drawing():
    text = plain.render(seed("reverse"), steps=True)
    assert not set(text) & set("─│┃━┏┓┗┛├└")
    assert "∂e/∂b  =  ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5" in text


def test_truncated_paths_say_why_merging_wins():
    src = "y = x\n" + "y = y*y + y\n" * 20
    r = grad(src, {"x": "-0.5"}, mode="paths", limit=5, with_cost=True)
    text = show(rich_view.grad_view(r))
    assert "5 of 3,486,784,401 paths listed" in text
    assert "touching each edge once" in text.replace("\n", " ")


@pytest.mark.parametrize("width", [30, 40, 50, 80])
@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_narrow_terminals_fold_and_never_cut_numbers(width, mode):
    r = grad(NINE, {"x": "0.5"}, mode=mode, with_cost=True)
    text = show(rich_view.grad_view(r, steps=True), width=width)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    # Every digit of the gradient survives: folded cells keep their characters in order.
    flat = "".join(text.split())
    assert number(r.jacobian["z"]["x"]) in flat


def test_jacobian_table_for_several_outputs():
    r = grad("r = sqrt(x*x + y*y)\nphi = atan(y / x)", {"x": "0.6", "y": "0.8"},
             outputs=["r", "phi"])
    text = show([rich_view.result_table(r)])
    assert text.splitlines()[0] == "Jacobian"
    assert text.splitlines()[3].split() == ["r", "1", "0.6", "0.8"]
