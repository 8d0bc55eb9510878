"""The general reader (graphs/reader.py, runs.py, columns.py) gives exactly the graph of
parse + build, or the parser's error; every case here goes through it, and with run=1 every
repeated line after the first goes in columns. The parser's graph is the reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcalc.errors import BpcalcError
from bpcalc.evaluate import evaluate
from bpcalc.graphs.runs import RUN
from bpcalc.text.parser import parse
from helpers import build, read

CASES = Path(__file__).parent / "cases"


def same_graph(source: str, outputs: list[str] | None = None) -> None:
    """Line by line, and in columns from the second line of a run on (run=1)."""
    b = build(parse(source), outputs)
    for run in (RUN, 1):
        a = read(source, outputs, run=run)
        assert a.keys == b.keys
        assert a.consts == b.consts
        assert (a.esrc, a.edst) == (b.esrc, b.edst)
        assert (a.inputs, a.outputs, a.names) == (b.inputs, b.outputs, b.names)
        assert a.ids == b.ids
        assert a.nodes == b.nodes and a.edges == b.edges


def same_error(source: str) -> str:
    with pytest.raises(BpcalcError) as slow:
        build(parse(source))
    for run in (RUN, 1):
        with pytest.raises(BpcalcError) as fast:
            read(source, run=run)
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
        read(source, ["f"])


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
    # a function's name in a run read in columns: as a new input, and as an SSA target
    "".join(f"x = sin(x)*w_{i} + q\n" for i in range(300)) + "x = sin(x)*exp + q\ny = x*r\n",
    "x0 = x\n" + "".join(f"{'cos' if i == 300 else f'x{i}'} = sin(x{i - 1})*a + b\n"
                         for i in range(1, 600)) + "y = x599*r\n",
])
def test_what_the_reader_cannot_take_gets_the_parsers_answer(source):
    try:
        expected = build(parse(source))
    except BpcalcError:
        same_error(source)
        return
    same_graph(source)  # the parser takes it (a continuation line): so must the reader
    assert read(source).keys == expected.keys


def test_too_many_shapes_still_give_the_same_graph():
    source = "".join(f"y{i} = x" + " + x" * i + "\n" for i in range(300))
    same_graph(source)


def test_values_match_through_either_reader():
    source = "x = x0\n" + "x = sin(x)*a + b\n" * 100
    point = {"x0": 0.5, "a": 0.9, "b": 0.1}
    assert evaluate(read(source), point) == evaluate(build(parse(source)), point)


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
    same_graph_or_error(source)


def same_graph_or_error(source: str) -> None:
    try:
        build(parse(source))
    except BpcalcError:
        same_error(source)
    else:
        same_graph(source)


RUN_LINES = LINES[:-2] + (
    "{t} = sin({t})*{a} + {b}", "{t} = {t}*{t} + {t}", "{t} += ({a}*{b} - {c})^2",
    "{t} = {a}*{t} + {b}*{t}", "{t} = {t}*{a} + {t}*{b}", "{t} = sin({t}) + sin({a})",
    "{t} = exp({a}) + exp({b})", "{t} = {a} - {a}", "{t} = ({t} + {a}) * ({a} + {t})",
    "{t} = -{t}", "{t} = {a}", "{t} = max({t}, {a}) - {b}/{c}",
    "{t} = {a}*({b} + {t}*{c})",  # atoms read in another order than their nodes are made
)
NUMBERS = ("2", "0.5", "2.0", "0", "0.0", "3", "1e-1", "0.1")


@st.composite
def runs(draw) -> str:
    """Programs made of runs: a shape over several lines, each atom place holding one name
    throughout, a new name on each line, a number, or anything; so that columns are
    tried, taken and refused."""
    lines, fresh = [], 0
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(RUN_LINES))
        kinds = {k: draw(st.sampled_from(["one", "new", "number", "any"])) for k in "abc"}
        one = {k: draw(st.sampled_from(NAMES + ("pi",))) for k in "abct"}
        for _ in range(draw(st.integers(1, 12))):
            fill = {"t": one["t"] if draw(st.integers(0, 9)) else draw(st.sampled_from(NAMES))}
            for k, kind in kinds.items():
                if kind == "one":
                    fill[k] = one[k]
                elif kind == "new":
                    fresh += 1
                    fill[k] = f"n_{fresh}" if draw(st.integers(0, 9)) else "n_1"
                elif kind == "number":
                    fresh += 1  # a number not met before, or one of a few
                    fill[k] = draw(st.sampled_from(NUMBERS + (f"{fresh}.5",)))
                else:
                    fill[k] = draw(st.sampled_from(ATOMS))
            lines.append(shape.format(**fill))
            if not draw(st.integers(0, 15)):
                lines.append(draw(st.sampled_from(["", "# c", lines[-1]])))
    return "\n".join(lines) + "\n"


@settings(max_examples=500, deadline=None)
@given(runs())
def test_runs_of_one_shape_read_in_columns_as_the_parser_builds_them(source):
    same_graph_or_error(source)


SSA_LINES = tuple(s[len("{t} = "):] for s in RUN_LINES if s.startswith("{t} = "))


@st.composite
def ssa_runs(draw) -> str:
    """Runs with SSA names: each line assigns a new name and reads the line before's (or,
    now and then, a name met before, a name it assigns later, or a number), its other atoms
    as in `runs`."""
    body = draw(st.sampled_from(SSA_LINES))
    kinds = {k: draw(st.sampled_from(["one", "new", "number", "any"])) for k in "abc"}
    one = {k: draw(st.sampled_from(NAMES + ("pi",))) for k in "abc"}
    prev = draw(st.sampled_from(NAMES))
    lines = [f"{prev} = {draw(st.sampled_from(ATOMS))}"] if draw(st.booleans()) else []
    for j in range(draw(st.integers(1, 40))):
        name = f"s_{j}" if draw(st.integers(0, 15)) else draw(st.sampled_from(
            NAMES + (f"s_{j + 1}", f"s_{max(j - 2, 0)}", "2")))
        fill = {"t": prev if draw(st.integers(0, 15)) else draw(st.sampled_from(ATOMS))}
        for k, kind in kinds.items():
            new = f"n_{j}" if draw(st.integers(0, 9)) else f"s_{j + 1}"  # a later target
            fill[k] = {"one": one[k], "new": new, "number": f"{j}.5"}.get(
                kind, draw(st.sampled_from(ATOMS)))
        lines.append(f"{name} = " + body.format(**fill))
        prev = name
    return "\n".join(lines) + "\n"


@settings(max_examples=500, deadline=None)
@given(ssa_runs())
def test_runs_with_ssa_names_read_in_columns_as_the_parser_builds_them(source):
    same_graph_or_error(source)


GROUP_LINES = ("{n} = {x} + {y}", "{n} = sin({x})", "{n} = {x} * {y}", "{n} = {x} ^ 2",
               "{n} = {x} - {y}", "{n} = max({x}, {y})", "{n} = {x}", "{n} = -{x}")


@st.composite
def group_runs(draw) -> str:
    """Three-address code: a group of 2 to 4 one-operation lines that repeats, each line
    assigning a new name; an operand is the row before's last target, an earlier target of
    the row, one name throughout, a new input, a number, or anything (now and then a name
    breaks the pattern)."""
    shapes = draw(st.lists(st.sampled_from(GROUP_LINES), min_size=2, max_size=4))
    kinds = [{k: draw(st.sampled_from(["prev", "row", "one", "new", "number", "any"]))
              for k in "xy"} for _ in shapes]
    one = draw(st.sampled_from(NAMES))
    prev = draw(st.sampled_from(NAMES))
    lines = []
    for j in range(draw(st.integers(1, 12))):
        row: list[str] = []
        for s, shape in enumerate(shapes):
            fill = {"n": f"t_{j}_{s}" if draw(st.integers(0, 20)) else
                    draw(st.sampled_from(NAMES + (f"t_{j + 1}_0", prev)))}
            for k, kind in kinds[s].items():
                fill[k] = {"prev": prev, "row": row[-1] if row else prev, "one": one,
                           "new": f"u_{j}_{s}{k}", "number": f"{j}.{s}5"}.get(
                    kind, draw(st.sampled_from(ATOMS)))
            lines.append(shape.format(**fill))
            row.append(fill["n"])
        prev = row[-1]
    return "\n".join(lines) + "\n"


@settings(max_examples=500, deadline=None)
@given(group_runs())
def test_three_address_code_reads_in_columns_as_the_parser_builds_it(source):
    same_graph_or_error(source)


_TAC = "".join(f"t{3 * i} = sin(t{3 * i - 1})\nt{3 * i + 1} = t{3 * i} * a\n"
               f"t{3 * i + 2} = t{3 * i + 1} + b\n" for i in range(300))  # three-address code


@pytest.mark.parametrize("source", [
    "x = x0\n" + "x = sin(x)*a + b\n" * 5000,  # chunks of 4096 lines, one after another
    "y = 1\n" + "y += w*2\n" * 40,  # the target starts as a constant: line by line
    "y = x\nz = y\n" + "y = sin(y)\n" * 40 + "z = sin(z)\n",  # z's sin(x) exists
    "a = sin(x)\nb = sin(a)\ny = x\n" + "y = sin(y)\n" * 40,  # the run's sin(a) exists
    "y = x\n" + "y = y*a + y*b\n" * 40 + "y = y*3\n",
    "".join(f"s = s*{i % 3} + x*{i % 2}\n" for i in range(80)),  # keys that may repeat
    "".join(f"q_{i} = q_{i - 1} * 2\n" for i in range(80)),  # a new target on each line
    "x_0 = x\n" + "".join(f"x_{i + 1} = sin(x_{i})*a + b\n" for i in range(300)),  # SSA
    "l_0 = (w_0*0.5 - 1)^2\n" + "".join(f"l_{i} = l_{i - 1} + (w_{i}*0.{i} - {i})^2\n"
                                        for i in range(1, 300)),  # SSA, new inputs too
    "".join(f"y_{i + 1} = y_{i}*y_{i} + y_{i}\n" for i in range(300)),  # y_0 an input
    "".join(f"t{3 * i} = sin(t{3 * i - 1})\nt{3 * i + 1} = t{3 * i} * a\n"
            f"t{3 * i + 2} = t{3 * i + 1} + b\n" for i in range(300)),  # three-address code
    "s = w_0 * 2\n" + "".join(f"p{i} = w_{i} * {i}.5\nq{i} = p{i} - 1.5\nr{i} = q{i} ^ 2\n"
                                f"s{i} = s{'' if i == 1 else i - 1} + r{i}\n"
                                for i in range(1, 300)),
    "k = 2*y\nc0 = y\n" + "".join(f"a{i} = sin(c{i - 1})\nb{i} = k\nc{i} = a{i} * b{i}\n"
                                 for i in range(1, 300)),  # a target that names a node before
    "c0 = y\n" + "".join(f"a{i} = c{i - 1}\nc{i} = a{i} * 2\n" for i in range(1, 300)),  # alias
    # a last row of one line of a group that reads, before assigning it, a new name
    "t_0_0 = x + x\nt_0_1 = x + x\nt_1_0 = t_0_1 + t_0_1\nt_1_1 = x + x\n"
    "t_2_0 = t_1_1 + t_1_1\nt_2_1 = 2 + x\nt_3_0 = t_2_1 + t_2_1\ny = 2 + y\n",
    "t = a\n" + "".join(f"t += u_{i}*u_{i + 1}\n" for i in range(80)),  # a name twice
    "t = a\n" + "".join(f"t += exp(v_{i}) + exp(v_{i})\n" for i in range(80)),
    "t = a\n" + "".join(f"t = {i}.25*({i}.5 + t*{i}.75)\n" for i in range(80)),
    # names made in columns wait outside the name table (Builder._bulk): after them, a line
    # that reassigns one, reads old ones, makes an alias and a new name, or makes them again
    # a new input on each row, then a reserved name in its place, then a new name: the
    # lookup that settles the waiting names must not take pi for an input
    "".join(f"loss = sin(loss)*w_{i} + a\n" for i in range(300)) + "loss = sin(loss)*pi + a\n"
    "y = sin(y)*w_730 + 0.5\n",
    *(_TAC + tail for tail in ("t5 = t5 + 1\n", "z = t7 * t100\n", "y = t899\nw = y*2\n",
                               "q = t899 + 1\n" + _TAC, "".join(_TAC.splitlines(True)[:450]))),
])
def test_long_runs_read_in_columns_as_the_parser_builds_them(source):
    same_graph(source)
    same_graph(source + "t\n")


@pytest.mark.parametrize("lines", [1, 2, 3, 31, 32, 255, 256, 257, 4095, 4096, 4097])
def test_runs_that_end_where_a_probe_or_a_chunk_does(lines):
    """Probes take 1, 2, 4, ... lines and chunks 4096: a run may end on either boundary,
    with or without a last newline, one line over and over or each line new."""
    same = "x = x0\n" + "x = sin(x)*a + b\n" * lines
    new = "s = 0*u\n" + "".join(f"s += w_{i}*{i}\n" for i in range(lines))
    for source in (same, same[:-1], new, new[:-1]):
        same_graph(source)


LINE_BITS = ("x", "w_1", "sin(", "log2(", "exp (", ")", "2", "0.5", "1e-3", "5.", ".25",
             " ", "*", "+", "-", "^", "**", "=", "+=", ";", ",", "# c", "(", "pi", "e", "1e",
             "x2", "2x", ".")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINE_BITS), max_size=12),
       st.lists(st.sampled_from(LINE_BITS), max_size=12))
def test_a_rows_pattern_splits_a_line_as_the_atom_pattern_does(bits, other):
    """A line that a run's row pattern (runs.group) matches has the first row's separators
    exactly, and its groups are the atoms runs.ATOMS finds, of the first row's kinds: the
    reader may take a run's atoms from one findall."""
    template = "".join(bits)
    for line in (template, "".join(other), template.replace("x", "w_1"),
                 template.replace("2", "17.5")):
        _splits_as_atoms(template, line)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LINES), st.data())
def test_a_rows_pattern_on_lines_of_real_shapes(shape_text, data):
    """As above, for the shapes the property test's programs use, matched against lines
    whose atoms are anything: names, numbers, and bits that are neither."""
    def line() -> str:
        fill = {k: data.draw(st.sampled_from(ATOMS + LINE_BITS)) for k in "abct"}
        return shape_text.format(**fill)

    template = line()
    for text in (line(), line(), template):
        _splits_as_atoms(template, text)


def _splits_as_atoms(template: str, line: str) -> None:
    from bpcalc.graphs import runs

    group = runs.group([template])
    if group is None:
        return
    m = group.row.fullmatch(line)
    if m is None:
        return
    atoms = runs.ATOMS.findall(line)
    assert list(m.groups()) == atoms
    assert runs.ATOMS.split(line) == runs.ATOMS.split(template)
    kinds = [a[0] <= "9" for a in runs.ATOMS.findall(template)]
    assert [a[0] <= "9" for a in atoms] == kinds
