"""The shape-cached reader gives exactly the graph of parse + build, or the parser's error.

`read(..., short=0)` sends even a one-line text through the reader, so every case here
exercises it; the parser's graph is the reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcalc.errors import BpcalcError
from bpcalc.graph import build, evaluate
from bpcalc.parser import parse
from bpcalc.shapes import read

CASES = Path(__file__).parent / "cases"


def same_graph(source: str, outputs: list[str] | None = None) -> None:
    a, b = read(source, outputs, short=0), build(parse(source), outputs)
    assert a.keys == b.keys
    assert a.consts == b.consts
    assert (a.esrc, a.edst) == (b.esrc, b.edst)
    assert (a.inputs, a.outputs, a.names) == (b.inputs, b.outputs, b.names)
    assert a.ids == b.ids
    assert a.nodes == b.nodes and a.edges == b.edges


def same_error(source: str) -> str:
    with pytest.raises(BpcalcError) as slow:
        build(parse(source))
    with pytest.raises(BpcalcError) as fast:
        read(source, short=0)
    assert type(fast.value) is type(slow.value)
    assert str(fast.value) == str(slow.value)
    return str(fast.value)


def reference_sources() -> list[str]:
    out = []
    for name in ("seed.jsonl", "programs.jsonl", "random.jsonl"):
        for line in (CASES / name).read_text().splitlines():
            if line.strip():
                out.append(json.loads(line)["expr"])
    return out


@pytest.mark.parametrize("source", reference_sources())
def test_reference_cases_read_as_the_parser_builds_them(source):
    same_graph(source)


@pytest.mark.parametrize("source", [
    "x = x0\n" + "x = sin(x)*a + b\n" * 50,  # one shape, one line over and over
    "".join(f"loss {'+' if i else ''}= (w_{i}*{i / 7!r} - {i % 3})^2\n" for i in range(60)),
    "y = x\n" + "y = y*y + y\n" * 40,  # shared nodes: y*y has two edges from y
    "# a comment\n\nc = a + b  # trailing\nd = b + 1; e = c * d\n\n",  # blanks, comments, ;
    "s = u * v\ns += u\ns *= 2\ns -= v / 4\ns /= 3\n",
    "a = 2\nb = a * 3\nc = b + x\n",  # constants fold across statements
    "k = pi/4\ny = sin(k*x) + cos (x) + log2(x) + pow(x, 2)\n",  # constants, spaces before (
    "y = x*0.0 + x*-0.0 + x*0 + x*1e0 + x*1.\n",  # equal constants, signed zeros
    "y = x + 1\ny\n",  # a bare name last keeps its name
    "y = x + 1\n(y)\n",
    "y = x + 1\ny*2\n",  # a bare expression last: its id
    "y = x\nz = 3\n",  # a constant output
    "y = x\ny = y*2\ny = y*2\nz = y\n",  # versions y.1, y.2 and an alias
    "a1 = x; a1 = a1 + 1; a1 = a1 * a1\r\nq = a1 - x\r\n",  # CRLF
    "x\n",
])
def test_programs_read_as_the_parser_builds_them(source):
    same_graph(source)


def test_outputs_and_unknown_outputs():
    source = "c = a + b\nd = b + 1\ne = c * d\n"
    same_graph(source, ["c", "e"])
    same_graph(source, ["d", "d"])
    with pytest.raises(BpcalcError, match="unknown output 'f'"):
        read(source, ["f"], short=0)


@pytest.mark.parametrize("source", [
    "y = (x +\n 1)\n",  # a statement over two lines: parser only
    "y = x + \\\n 1\n",
    "y = 2x\n",
    "y = x.5\n",
    "y = x + 1\nz = sin x\n",
    "y = foo(x)\n",
    "y = x\nx + 1\ny = 2\n",  # a bare expression that is not last
    "pi = 3\ny = pi\n",
    "sin = 3\n",
    "y = sin + 1\n",
    "2 = x\n",
    "y = x + 1e999\n",
    "y = x + log(-1)\n",  # a constant that does not fold
    "y = x + 1/0\nz = y\n",
    "y = x +\n",
    "\n# only a comment\n",
    "y = x\0\n",
    "y = x @ 2\n",
])
def test_what_the_reader_cannot_take_gets_the_parsers_answer(source):
    try:
        expected = build(parse(source))
    except BpcalcError:
        same_error(source)
        return
    same_graph(source)  # the parser takes it (a continuation line): so must the reader
    assert read(source, short=0).keys == expected.keys


def test_too_many_shapes_still_give_the_same_graph():
    source = "".join(f"y{i} = x" + " + x" * i + "\n" for i in range(300))
    same_graph(source)


def test_short_programs_skip_the_reader(monkeypatch):
    import bpcalc.shapes as shapes

    def boom(*a, **k):
        raise AssertionError("the reader ran")

    monkeypatch.setattr(shapes, "_Reader", boom)
    assert read("c = a + b\n" * 5).keys == build(parse("c = a + b\n" * 5)).keys


def test_values_match_through_either_reader():
    source = "x = x0\n" + "x = sin(x)*a + b\n" * 100
    point = {"x0": 0.5, "a": 0.9, "b": 0.1}
    assert evaluate(read(source, short=0), point) == evaluate(build(parse(source)), point)


NAMES = ("x", "y", "w_1", "h")
ATOMS = ("x", "y", "w_1", "h", "2", "0.5", "1e-1", ".25", "pi", "3.")
LINES = (
    "{t} = {a} + {b}", "{t} = {a}*{b} - {c}", "{t} += sin({a})*{b}", "{t} -= ({a} - {b})^2",
    "{t} *= tanh({a})", "{t} /= (abs({a}) + 1)", "{t} = max({a}, {b}) + min({b}, {c})",
    "{t} = -{a}**2 + 2**-{b}", "{t} = {a}; {b}", "{t} = exp(-{a}) # note {b}",
)


@st.composite
def programs(draw) -> str:
    """Programs whose lines come from a few shapes, with other names and numbers each time."""
    shapes = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=4))
    lines = []
    for _ in range(draw(st.integers(1, 25))):
        shape = draw(st.sampled_from(shapes))
        fill = {k: draw(st.sampled_from(ATOMS)) for k in "abc"}
        fill["t"] = draw(st.sampled_from(NAMES))
        lines.append(shape.format(**fill))
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(NAMES)))  # a bare name last
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=300, deadline=None)
@given(programs())
def test_random_programs_read_as_the_parser_builds_them_or_fail_alike(source):
    try:
        build(parse(source))
    except BpcalcError:
        same_error(source)
    else:
        same_graph(source)


LINE_BITS = ("x", "w_1", "sin(", "log2(", "exp (", ")", "2", "0.5", "1e-3", "5.", ".25",
             " ", "*", "+", "-", "^", "**", "=", "+=", ";", ",", "# c", "(", "pi", "e", "1e",
             "x2", "2x", ".")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINE_BITS), max_size=12),
       st.lists(st.sampled_from(LINE_BITS), max_size=12))
def test_a_shape_matcher_splits_a_line_as_the_atom_pattern_does(bits, other):
    """A line that the literal regex of a shape matches has that shape's seps exactly,
    and its groups are the atoms _ATOMS.split finds: the reader may skip the split. (Only
    for shapes that compile: between two atoms there is always an operator.)"""
    from bpcalc.shapes import _ATOMS, _Fallback, _Reader

    template = "".join(bits)
    parts = _ATOMS.split(template)
    try:
        shape = _Reader(template)._compile(parts[0::2])
    except _Fallback:
        return
    if shape.run is None:
        return
    matcher = shape.matcher()
    for line in (template, "".join(other), template.replace("x", "w_1"),
                 template.replace("2", "17.5")):
        m = matcher(line)
        if m is not None:
            got = _ATOMS.split(line)
            assert got[0::2] == parts[0::2]
            assert list(m.groups()) == got[1::2]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LINES), st.data())
def test_a_shape_matcher_on_lines_of_real_shapes(shape_text, data):
    """As above, for the shapes the property test's programs use, matched against lines
    whose atoms are anything: names, numbers, and bits that are neither."""
    from bpcalc.shapes import _ATOMS, _Reader

    def line() -> str:
        fill = {k: data.draw(st.sampled_from(ATOMS + LINE_BITS)) for k in "abct"}
        return shape_text.format(**fill)

    template = line()
    parts = _ATOMS.split(template)
    shape = _Reader(template)._compile(parts[0::2]) if _compiles(template) else None
    if shape is None or shape.run is None:
        return
    for text in (line(), line(), template):
        m = shape.matcher()(text)
        if m is not None:
            got = _ATOMS.split(text)
            assert got[0::2] == parts[0::2]
            assert list(m.groups()) == got[1::2]


def _compiles(text: str) -> bool:
    from bpcalc.shapes import _ATOMS, _Fallback, _Reader

    try:
        _Reader(text)._compile(_ATOMS.split(text)[0::2])
    except _Fallback:
        return False
    return True
