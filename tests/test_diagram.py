"""DOT and Mermaid text for the worked example, written out by hand, plus escaping and ids."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bpcalc.render.diagram import dot, mermaid
from helpers import analyse

SEED = "c = a + b; d = b + 1; e = c * d"  # the seed in the article's names
AT = {"a": 2, "b": 1}

DOT_STRUCTURE = """\
digraph bpcalc {
  rankdir=BT;
  node [shape=box];
  "a" [label="a", shape=ellipse];
  "b" [label="b", shape=ellipse];
  "c" [label="c = a + b"];
  "d" [label="d = b + 1"];
  "e" [label="e = c * d", peripheries=2];
  "a" -> "c" [label="∂c/∂a = 1"];
  "b" -> "c" [label="∂c/∂b = 1"];
  "b" -> "d" [label="∂d/∂b = 1"];
  "c" -> "e" [label="∂e/∂c = d"];
  "d" -> "e" [label="∂e/∂d = c"];
}
"""

DOT_REVERSE = r"""digraph bpcalc {
  rankdir=BT;
  node [shape=box];
  "a" [label="a = 2\n∂e/∂a = 2", shape=ellipse];
  "b" [label="b = 1\n∂e/∂b = 5", shape=ellipse];
  "c" [label="c = a + b = 3\n∂e/∂c = 2"];
  "d" [label="d = b + 1 = 2\n∂e/∂d = 3"];
  "e" [label="e = c * d = 6\n∂e/∂e = 1", peripheries=2];
  "a" -> "c" [label="∂c/∂a = 1"];
  "b" -> "c" [label="∂c/∂b = 1"];
  "b" -> "d" [label="∂d/∂b = 1"];
  "c" -> "e" [label="∂e/∂c = d = 2"];
  "d" -> "e" [label="∂e/∂d = c = 3"];
}
"""

MERMAID_STRUCTURE = """\
flowchart BT
  n0(["a"])
  n1(["b"])
  n2["c = a + b"]
  n3["d = b + 1"]
  n4["e = c * d"]
  n0 -->|"∂c/∂a = 1"| n2
  n1 -->|"∂c/∂b = 1"| n2
  n1 -->|"∂d/∂b = 1"| n3
  n2 -->|"∂e/∂c = d"| n4
  n3 -->|"∂e/∂d = c"| n4
  classDef output stroke-width:3px;
  class n4 output;
"""

MERMAID_REVERSE = """\
flowchart BT
  n0(["a = 2<br/>∂e/∂a = 2"])
  n1(["b = 1<br/>∂e/∂b = 5"])
  n2["c = a + b = 3<br/>∂e/∂c = 2"]
  n3["d = b + 1 = 2<br/>∂e/∂d = 3"]
  n4["e = c * d = 6<br/>∂e/∂e = 1"]
  n0 -->|"∂c/∂a = 1"| n2
  n1 -->|"∂c/∂b = 1"| n2
  n1 -->|"∂d/∂b = 1"| n3
  n2 -->|"∂e/∂c = d = 2"| n4
  n3 -->|"∂e/∂d = c = 3"| n4
  classDef output stroke-width:3px;
  class n4 output;
"""


def test_structure():
    r = analyse(SEED)
    assert dot(r) == DOT_STRUCTURE
    assert mermaid(r) == MERMAID_STRUCTURE


def test_reverse():
    r = analyse(SEED, AT, "reverse")
    assert dot(r) == DOT_REVERSE
    assert mermaid(r) == MERMAID_REVERSE


def test_forward_labels_one_line_per_input():
    r = analyse(SEED, AT, "forward")
    assert '  "e" [label="e = c * d = 6\\n∂e/∂a = 2\\n∂e/∂b = 5", peripheries=2];\n' in dot(r)
    assert '  n3["d = b + 1 = 2<br/>∂d/∂a = 0<br/>∂d/∂b = 1"]\n' in mermaid(r)


def test_evaluated_without_mode_has_no_second_line():
    r = analyse(SEED, AT)
    assert '  "c" [label="c = a + b = 3"];\n' in dot(r)
    assert '  n0(["a = 2"])\n' in mermaid(r)


def test_constant_output_and_reverse_per_output():
    r = analyse("k = 3\ny = x*k", {"x": 2}, "reverse", outputs=["k", "y"])
    assert '  "k" [label="k = 3\\n∂k/∂k = 1\\n∂y/∂k = 0", peripheries=2];\n' in dot(r)
    assert mermaid(r).endswith("  class n1,n2 output;\n")


def _awkward():
    """`c = a + b` with a quote and a backslash in c's id and definition: c"\\ = a + "b\\"."""
    r = analyse("c = a + b")
    c = r.nodes[2]._replace(id='c"\\', expr='a + "b\\"')
    edge = r.edges[0]._replace(dst='c"\\')
    return r._replace(nodes=(*r.nodes[:2], c), edges=(edge,), outputs=('c"\\',))


def test_escaping_quote_and_backslash():
    r = _awkward()
    assert dot(r).splitlines()[5:7] == [
        '  "c\\"\\\\" [label="c\\"\\\\ = a + \\"b\\\\\\"", peripheries=2];',
        '  "a" -> "c\\"\\\\" [label="∂c\\"\\\\/∂a = 1"];',
    ]
    assert mermaid(r).splitlines()[3:5] == [
        '  n2["c#quot;\\ = a + #quot;b\\#quot;"]',
        '  n0 -->|"∂c#quot;\\/∂a = 1"| n2',
    ]


def test_mermaid_escapes_angle_brackets():
    r = analyse("y = relu(x)")
    assert '  n0 -->|"∂y/∂x = (x #gt; 0)"| n1\n' in mermaid(r)


def test_reassignment_ids_are_quoted():
    r = analyse("s = u*v\ns += u")
    text = dot(r)
    assert '  "s.1" [label="s.1 = u * v"];\n' in text
    assert '  "s.1" -> "s" [label="∂s/∂s.1 = 1"];\n' in text
    assert '  n2 -->|"∂s/∂s.1 = 1"| n3\n' in mermaid(r)


def test_alias_output_highlights_the_node_it_names():
    r = analyse("y = x*2\nz = y")  # the output z is the node y under another name
    assert r.outputs == ("z",)
    assert '  "y" [label="y = x * 2", peripheries=2];\n' in dot(r)
    assert "  class n1 output;\n" in mermaid(r)


def _svg(text: str) -> str:
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz `dot` is not installed")
    run = subprocess.run([exe, "-Tsvg"], input=text, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("source", [SEED, "s = u*v\ns += u", "y = max(x, 0)"])
@pytest.mark.parametrize("mode", [None, "reverse", "forward"])
def test_graphviz_draws_it(source, mode):
    at = None if mode is None else {n: 1 for n in analyse(source).inputs}
    assert "<svg" in _svg(dot(analyse(source, at, mode)))


def test_graphviz_reads_the_escapes_back():
    svg = _svg(dot(_awkward()))
    assert "c&quot;\\ = a + &quot;b\\&quot;" in svg
