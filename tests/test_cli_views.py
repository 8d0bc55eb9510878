"""The human views through the command line: formats, colour, pictures, graph and cost."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli

SEED = ["c = a + b; d = b + 1; e = c * d", "a=2", "b=1"]  # the seed in the article's names


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("fmt", ["table", "tree", "plain"])
def test_views_show_the_gradient(fmt):
    r = run("grad", *SEED, "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "∂e/∂b" in r.output and "5" in r.output
    assert "\x1b[" not in r.output  # not a terminal: no escape codes


def test_color_always_and_never():
    assert "\x1b[" in run("grad", *SEED, "--format", "table", "--color", "always").output
    out = run("grad", *SEED, "--format", "table", "--color", "never",
              env={"FORCE_COLOR": "1"}).output
    assert "\x1b[" not in out


def test_no_color_is_honoured():
    out = run("grad", *SEED, "--format", "table", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in out.output


def test_steps_flag_in_table_and_plain():
    for fmt in ("table", "plain", "tree"):
        out = run("grad", *SEED, "--format", fmt, "--steps", "--mode", "forward").output
        assert "∂e/∂b = d·∂c/∂b + c·∂d/∂b = 2·1 + 3·1 = 5" in out


def test_terminal_screenshots(tmp_path):
    svg, html = tmp_path / "seed.svg", tmp_path / "seed.html"
    r = run("grad", *SEED, "--terminal-svg", str(svg), "--terminal-html", str(html))
    assert r.exit_code == 0, r.output
    assert svg.read_text().lstrip().startswith("<svg")
    assert "cdnjs" not in svg.read_text() and "@font-face" not in svg.read_text()  # offline
    assert "∂e/∂b" in html.read_text()
    r = run("grad", *SEED, "--svg", "-")
    assert r.exit_code == 2 and "give its name" in r.output


def test_pictures_with_json_keep_stdout_json(tmp_path):
    shot, drawn, page = tmp_path / "x.svg", tmp_path / "g.svg", tmp_path / "p.html"
    r = run("grad", *SEED, "--json", "--terminal-svg", str(shot), "--svg", str(drawn),
            "--html", str(page))
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["gradient"] == {"a": 2, "b": 5}
    assert shot.read_text().lstrip().startswith("<svg")
    assert drawn.read_text().startswith("<svg") and "e = c * d" in drawn.read_text()
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_terminal_svg_with_plain_is_a_usage_error_and_a_drawing_is_not(tmp_path):
    r = run("grad", *SEED, "--format", "plain", "--terminal-svg", str(tmp_path / "x.svg"))
    assert r.exit_code == 2
    assert "--terminal-svg" in r.output
    r = run("grad", *SEED, "--format", "plain", "--svg", str(tmp_path / "g.svg"))
    assert r.exit_code == 0 and "gradient" in r.output


@pytest.mark.parametrize("option", ["--svg", "--html", "--terminal-svg", "--terminal-html"])
def test_pictures_to_an_unwritable_place_are_a_clean_error(tmp_path, option):
    r = run("grad", *SEED, option, str(tmp_path / "no" / "such" / "dir.svg"))
    assert r.exit_code == 2
    assert "cannot write" in r.output
    assert "Traceback" not in r.output


def test_graph_json_without_values():
    r = run("graph", "(a+b)*(b+1)")
    data = json.loads(r.output)
    assert data["schema"] == "bpcalc/graph"
    assert data["inputs"] == {"a": None, "b": None}
    assert [n["id"] for n in data["nodes"]] == ["a", "b", "v₁", "v₂", "v₃"]
    assert [(e["from"], e["to"], e["local"]) for e in data["edges"]] == [
        ("a", "v₁", "1"), ("b", "v₁", "1"), ("b", "v₂", "1"), ("v₁", "v₃", "v₂"),
        ("v₂", "v₃", "v₁")]
    assert "value" not in data["nodes"][0]


def test_graph_json_with_values():
    data = json.loads(run("graph", *SEED).output)
    assert data["inputs"] == {"a": 2, "b": 1}
    assert [n["value"] for n in data["nodes"]] == [2, 1, 3, 2, 6]
    assert [e["value"] for e in data["edges"]] == [1, 1, 1, 2, 3]


@pytest.mark.parametrize("fmt,start", [("dot", "digraph bpcalc {"), ("mermaid", "flowchart BT")])
def test_graph_pictures(fmt, start):
    r = run("graph", *SEED, "--mode", "reverse", "--format", fmt)
    assert r.exit_code == 0
    assert r.output.startswith(start)
    assert "∂e/∂b = 5" in r.output


def test_graph_table_and_tree_without_values():
    table = run("graph", "(a+b)*(b+1)", "--format", "table").output
    assert "v₁   a + b" in table and "value" not in table
    tree = run("graph", "(a+b)*(b+1)", "--format", "tree").output
    assert "b (shown above)" in tree


def test_graph_mode_needs_values():
    r = run("graph", "(a+b)*(b+1)", "--mode", "reverse")
    assert r.exit_code == 2
    assert "missing value" in r.output


def cost_json(*args: str) -> dict:
    r = run("cost", *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_cost_of_the_seed():
    c = cost_json("(a+b)*(b+1)")
    assert c["schema"] == "bpcalc/cost"
    assert (c["inputs"], c["outputs"], c["nodes"], c["edges"]) == (2, 1, 5, 5)
    assert c["modes"] == {"forward": {"passes": 2, "edge_ops": 10},
                          "reverse": {"passes": 1, "edge_ops": 5},
                          "paths": {"paths": 3, "edge_ops": 6}}
    assert c["cheaper"] == "reverse" and c["ratio"] == 2


def test_cost_of_the_nine_paths():
    c = cost_json("y = sin(x) + cos(x) + exp(x)\nz = sin(y) + cos(y) + exp(y)")
    # x reaches y by three routes (two of 3 edges, one of 2), and y reaches z the same way:
    # 9 paths with 3*(3+3+2) + 3*(3+3+2) = 48 edge factors, against 14 edges for one pass.
    assert c["modes"]["paths"] == {"paths": 9, "edge_ops": 48}
    assert c["modes"]["reverse"] == {"passes": 1, "edge_ops": 14}
    assert c["modes"]["forward"] == {"passes": 1, "edge_ops": 14}


def test_cost_of_a_thousand_input_sum():
    n = 1000
    src = " + ".join(f"w{i}*x{i}" for i in range(n))
    wrt = ",".join(f"w{i}" for i in range(n))
    c = cost_json(src, "--wrt", wrt)
    assert c["edges"] == 2 * n + 2 * (n - 1)  # two into each product, two into each of n-1 adds
    assert c["modes"]["forward"] == {"passes": n, "edge_ops": n * c["edges"]}
    assert c["modes"]["reverse"] == {"passes": 1, "edge_ops": c["edges"]}
    assert c["cheaper"] == "reverse" and c["ratio"] == n
    table = run("cost", src, "--wrt", wrt, "--format", "table").output
    assert "1000x cheaper" in table


def test_cost_one_input_many_outputs_favours_forward():
    src = "; ".join(f"y{i} = sin(x)*{i + 1}" for i in range(50))
    outs = ",".join(f"y{i}" for i in range(50))
    c = cost_json(src, "--output", outs)
    assert c["modes"]["forward"]["passes"] == 1
    assert c["modes"]["reverse"]["passes"] == 50
    assert c["cheaper"] == "forward" and c["ratio"] == 50


def test_cost_counts_3_to_the_10000_exactly():
    src = "y = x\n" + "y = y*y + y\n" * 10000
    c = cost_json(src)
    assert c["modes"]["paths"]["paths"] == 3**10000
    table = run("cost", src, "--format", "table").output
    assert "≈ 1.631e+4771" in table


def test_screen_lists_few_paths_json_many():
    src = "y = x\n" + "y = y*y + y\n" * 20
    table = run("grad", src, "x=-0.5", "--mode", "paths", "--format", "plain").output
    assert "20 of 3,486,784,401 paths listed" in table
    data = json.loads(run("grad", src, "x=-0.5", "--mode", "paths").output)
    assert len(data["paths"]) == 1000 and data["paths_truncated"] is True
    more = run("grad", src, "x=-0.5", "--mode", "paths", "--format", "plain", "--limit", "50")
    assert "50 of 3,486,784,401 paths listed" in more.output


def test_unwritable_picture_prints_nothing(tmp_path):
    r = run("grad", *SEED, "--format", "table", "--svg", str(tmp_path / "no" / "x.svg"))
    assert r.exit_code == 2 and r.stdout == ""


def test_cost_calls_a_tie_a_tie():
    c = cost_json("x + 1")
    assert c["cheaper"] == "tie" and c["ratio"] == 1
    assert "cost the same" in run("cost", "x + 1", "--format", "table").output
