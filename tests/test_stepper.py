"""The step-through page as a lesson (issue 25): numbers appear when their step computes
them, the drawing follows the lit node, the controls, the current sum and a legend stay
in view; checked in headless Chromium on the seed and the network, in every mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from bpcalc.numbers import showing
from bpcalc.render import stepper
from helpers import grad
from test_pictures import chromium_page

ROOT = Path(__file__).resolve().parent.parent
SEED = ["grad", "(a+b)*(b+1)", "a=2", "b=1"]
NET = ["grad", "-f", str(ROOT / "examples" / "net.txt"), "--point",
       str(ROOT / "examples" / "net.json")]


def test_lesson_gives_the_values_first_then_the_pass_and_reveals_each_number_once():
    with showing(6):
        r = grad("(a+b)*(b+1)", {"a": "2", "b": "1"})
    every, when = stepper.lesson(r)
    texts = [s.text for s in every]
    ops = [n for n in r.nodes if n.op != "input"]  # whatever the generated ids are
    assert texts[:4] == ["the inputs: a = 2, b = 1",
                         *(f"{n.id} = {n.expr} = {v}" for n, v in zip(ops, "326"))]
    assert texts[4:] == [s.text for s in stepper.steps(r)]
    for i, n in enumerate(r.nodes):
        value_step, derivative_step = when.nodes[i][1], when.nodes[i][2]
        assert value_step < 4 and derivative_step >= 4
        assert every[derivative_step].node == i  # the step that writes out ∂e/∂(this node)
        assert texts[derivative_step].startswith(f"∂{ops[-1].id}/∂{n.id} = ")
        assert every[value_step].node == i or i in every[value_step].also
    for k, e in enumerate(r.edges):  # a local derivative with its node's value ...
        assert texts[when.labels[k][0]].startswith(f"{e.dst} = ")
        assert k in every[when.labels[k][1]].edges  # ... what it passes, when it is used


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["left"] >= outer["left"] - 0.5 and inner["right"] <= outer["right"] + 0.5
            and inner["top"] >= outer["top"] - 0.5 and inner["bottom"] <= outer["bottom"] + 0.5)


RECTS = """(ids) => ids.map((id) => { const r = document.getElementById(id)
  .getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top,
  bottom: r.bottom}; })"""
TEXTS = """() => Array.from(document.querySelectorAll('#drawing g[id] text')).map((t) =>
  [t.parentNode.id, Array.from(t.parentNode.querySelectorAll('text')).indexOf(t),
   t.textContent, getComputedStyle(t).visibility === 'visible'])"""

NOTES = """() => Array.from(document.querySelectorAll('#drawing text.note'))
  .filter((t) => getComputedStyle(t).visibility === 'visible').map((t) => t.textContent)"""


def _computed_before(k: int, steps: list[dict], group: str, line: int, text: str) -> bool:
    """Whether a step up to k computes this text line of a node (n3) or edge label (l5),
    judged from the steps' own text and the nodes and edges they light up. At the last
    step the pass is over: a derivative it never wrote out (0, off every path) shows."""
    if k == len(steps) - 1:
        return True
    done = steps[:k + 1]
    number = int(group[1:])
    if group[0] == "n":
        if line == 1:  # its value
            return any(s["node"] == number or number in s["also"] for s in done)
        return any(s["node"] == number and s["text"].startswith(text.split(" = ")[0] + " =")
                   for s in done)  # its derivative, at the step that writes it out
    if line == 0:  # an edge's local derivative ∂c/∂a: with c's value
        node = text[1:text.index("/")]
        return any(s["text"].startswith(f"{node} = ") for s in done)
    return any(number in s["edges"] for s in done)  # what it passes on, when used


@pytest.mark.browser
@pytest.mark.parametrize("args", [SEED, NET, [*SEED, "--mode", "forward", "--wrt", "b"],
                                  [*NET, "--mode", "forward"], [*SEED, "--mode", "paths"],
                                  ["graph", *SEED[1:]], ["hessian", "x*x*y", "x=1", "y=2"]],
                         ids=["seed", "net", "seed-forward", "net-forward", "seed-paths",
                              "graph", "hessian"])
def test_page_teaches_step_by_step_in_headless_chromium(tmp_path, args):
    page_file = tmp_path / "page.html"
    r = CliRunner().invoke(cli, [*args, "--html", str(page_file), "--json"])
    assert r.exit_code == 0, r.output
    with chromium_page(900, 700) as (page, errors):
        page.goto(page_file.as_uri())
        steps = page.evaluate("STEPS")
        window = {"left": 0, "top": 0, "right": 900, "bottom": 700}
        assert page.is_visible("#legend") and "purple" in page.inner_text("#legend")
        hidden_before = len(page.evaluate(TEXTS))
        for k, s in enumerate(steps):
            if k:
                page.keyboard.press("ArrowRight") if k % 2 else page.click("#next")
            assert page.inner_text("#count") == f"step {k + 1} of {len(steps)}"
            assert page.inner_text("#step") == s["text"]
            controls, sum_, drawing = page.evaluate(RECTS, ["controls", "step", "drawing"])
            assert _inside(controls, window) and _inside(sum_, window), k
            if s["node"] >= 0:  # the lit node is in the drawing's visible part
                (lit,) = page.evaluate(RECTS, [f"n{s['node']}"])
                assert _inside(lit, drawing) and _inside(lit, window), (k, lit, drawing)
            texts = page.evaluate(TEXTS)
            for group, line, text, visible in texts:
                if visible and line > 0 or (visible and group[0] == "l"):
                    assert _computed_before(k, steps, group, line, text), (k, group, text)
            for note in page.evaluate(NOTES):  # paths: a product or sum when computed
                said = note.replace(":  ", ": ")
                assert k == len(steps) - 1 or not ("→" in note or "∂" in note) or any(
                    t["text"].startswith(said) for t in steps[:k + 1]), (k, note)
            hidden = sum(1 for *_, visible in texts if not visible)
            assert hidden <= hidden_before, k  # a step only ever adds numbers
            hidden_before = hidden
        assert hidden == 0  # at the last step every number is on the drawing
        page.keyboard.press("Home")
        assert page.inner_text("#count") == f"step 1 of {len(steps)}"
        assert any(not v for *_, v in page.evaluate(TEXTS))
        page.click("#all")  # show all: every number, whatever the step
        assert all(v for *_, v in page.evaluate(TEXTS))
        assert errors == []


def test_page_json_steps_match_the_lesson():
    with showing(6):
        r = grad((ROOT / "examples" / "net.txt").read_text(),
                 json.loads((ROOT / "examples" / "net.json").read_text()))
    text = stepper.page(r)
    every, _ = stepper.lesson(r)
    assert len(every) == len(r.nodes) - len(r.input_nodes) + 1 + len(stepper.steps(r))
    assert text.count("data-at=") > len(r.nodes)
