"""`bpcalc descend` (issue 16): gradient descent from the shell."""

from __future__ import annotations

import json
import math
import random
import signal
import subprocess
import sys
import time
import xml.dom.minidom
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc import descent as D
from bpcalc.analysis import grad, load
from bpcalc.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
LINE = "(w*x + b - y)^2"


def line_data(n: int = 200, seed: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x = rng.uniform(-2, 2)
        rows.append((x, 2 * x + 1 + rng.gauss(0, 0.1)))
    return rows


def least_squares(rows: list[tuple[float, float]]) -> tuple[float, float]:
    n = len(rows)
    mx = sum(x for x, _ in rows) / n
    my = sum(y for _, y in rows) / n
    sxy = sum((x - mx) * (y - my) for x, y in rows)
    sxx = sum((x - mx) ** 2 for x, _ in rows)
    w = sxy / sxx
    return w, my - w * mx


def run(*argv: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(argv), input=stdin)


@pytest.mark.parametrize("optimizer, lr, tol", [("sgd", 0.1, 1e-8), ("momentum", 0.05, 1e-8),
                                                ("adam", 0.05, 1e-3)])
def test_linear_regression_reaches_the_least_squares_line(optimizer, lr, tol):
    rows = line_data()
    r = D.descend(load(LINE), {"w": 0.0, "b": 0.0}, rows, ["x", "y"], {}, lr=lr,
                  steps=5000, optimizer=optimizer, until=1e-12)
    w, b = least_squares(rows)
    assert r.final.params["w"] == pytest.approx(w, abs=tol)
    assert r.final.params["b"] == pytest.approx(b, abs=tol)
    if optimizer != "adam":  # adam's steps do not shrink to zero at the optimum
        assert r.verdict == "converged"


def test_logistic_regression_reaches_the_maximum_likelihood():
    rng = random.Random(4)
    rows = []
    for _ in range(300):
        x = rng.uniform(-3, 3)
        rows.append((x, 1.0 if rng.random() < 1 / (1 + math.exp(-(1.5 * x - 0.5))) else 0.0))
    loss = "p = sigmoid(w*x + b); -(y*log(p) + (1 - y)*log(1 - p))"
    r = D.descend(load(loss), {"w": 0.0, "b": 0.0}, rows, ["x", "y"], {}, lr=0.5,
                  steps=20000, until=1e-10)
    assert r.verdict == "converged"
    w, b = 0.0, 0.0  # Newton's method on the same mean log-loss, as the reference
    for _ in range(50):
        gw = gb = hww = hwb = hbb = 0.0
        for x, y in rows:
            p = 1 / (1 + math.exp(-(w * x + b)))
            gw += (p - y) * x
            gb += p - y
            s = p * (1 - p)
            hww, hwb, hbb = hww + s * x * x, hwb + s * x, hbb + s
        det = hww * hbb - hwb * hwb
        w, b = w - (hbb * gw - hwb * gb) / det, b - (hww * gb - hwb * gw) / det
    assert r.final.params["w"] == pytest.approx(w, abs=1e-7)
    assert r.final.params["b"] == pytest.approx(b, abs=1e-7)


def test_xor_is_learned_from_the_examples_start():
    r = run("descend", "-f", str(EXAMPLES / "xor.txt"), "--params",
            (EXAMPLES / "xor.params").read_text(), "--data", str(EXAMPLES / "xor.csv"),
            "--lr", "0.5", "--steps", "2000", "--json")
    d = json.loads(r.output)
    assert d["loss"] < 0.01 and d["steps"] == 2000
    net = (EXAMPLES / "xor.txt").read_text()
    for (x1, x2), y in {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}.items():
        values = {**d["params"], "x1": x1, "x2": x2, "y": y}
        p = grad(load(net).graph(["p"]), values).values["p"]
        assert round(p) == y


def test_a_too_large_learning_rate_is_reported_as_divergence():
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", str(EXAMPLES / "line.csv"),
            "--lr", "5", "--json")
    assert r.exit_code == 1
    d = json.loads(r.output)
    assert d["verdict"] == "diverged" and d["diverged_at"] > 0
    assert all(math.isfinite(v) for v in d["params"].values())
    text = run("descend", LINE, "--params", "w=0,b=0", "--data", str(EXAMPLES / "line.csv"),
               "--lr", "5", "--format", "plain").output
    assert "diverged" in text and "smaller learning rate" in text


def test_the_same_numbers_as_a_loop_of_grad_calls():
    rows = line_data(20)
    r = D.descend(load(LINE), {"w": 0.3, "b": -0.2}, rows, ["x", "y"], {}, lr=0.1, steps=5)
    graph = load(LINE).graph()
    w, b = 0.3, -0.2
    for step in range(5):
        gw = gb = 0.0
        for x, y in rows:
            j = grad(graph, {"w": w, "b": b, "x": x, "y": y}, "reverse",
                     wide=False).jacobian["v₄"]
            gw, gb = gw + j["w"], gb + j["b"]
        w, b = w - 0.1 * (gw / len(rows)), b - 0.1 * (gb / len(rows))  # p -= η·(mean ∂L/∂p)
        assert r.records[step + 1].params == {"w": w, "b": b}  # to the last bit


def test_json_and_jsonl():
    d = json.loads(run("descend", LINE, "--params", "w=0,b=0", "--data",
                       str(EXAMPLES / "line.csv"), "--steps", "20", "--every", "5").output)
    assert d["schema"] == "bpcalc/descend" and d["version"] == 2
    assert [h["step"] for h in d["history"]] == [0, 5, 10, 15, 20]
    assert set(d) >= {"params", "loss", "grad_norm", "verdict", "optimizer", "lr", "start"}
    lines = run("descend", LINE, "--params", "w=0,b=0", "--data", str(EXAMPLES / "line.csv"),
                "--steps", "10", "--every", "5", "--format", "jsonl").output.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["step"] for r in records[:-1]] == [0, 5, 10]
    assert records[-1]["final"]["verdict"] == "stopped"


def test_data_errors_are_reported_by_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n4\n5,6\n")
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"x": 1, "y": 2}\n{"x": 1}\n[1]\n{"x": true, "y": 1e400}\n\n'
                     '{"x": 1, "y": "pi/4"}\n{"x": 1, "y": null}\nnope\n')
    for data, errors in ((bad, 2), (jsonl, 5)):
        r = run("descend", LINE, "--params", "w=0,b=0", "--data", str(data))
        assert r.exit_code == 2 and r.output.startswith("Error: bad data:\n")
        said = r.output.splitlines()[1:]
        # the same lines and words as `grad --batch` on the same file
        batch = [json.loads(line) for line in run(
            "grad", LINE, "w=0", "b=0", "--batch", str(data)).output.splitlines()
            if line.startswith("{")]  # (the summary on stderr is mixed in here)
        failed = [f"  line {p['line']}: {p['error']}" for p in batch if "error" in p]
        assert said == failed and len(failed) == errors
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", str(bad))
    assert "line 4: this line has 1 field; the header has 2" in r.output
    r = run("descend", LINE, "--params", "w=0,q=0", "--data", str(EXAMPLES / "line.csv"))
    assert r.exit_code == 2 and "q" in r.output


def test_mini_batches_and_the_text_view():
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", str(EXAMPLES / "line.csv"),
            "--batch-size", "16", "--seed", "3", "--steps", "300", "--format", "plain")
    assert r.exit_code == 0
    words = " ".join(r.output.split())  # however the terminal's width wrapped it
    assert "w ← w − η·∂L/∂w = 0 − 0.1·" in words and "mini-batches of 16" in words
    assert "loss, log scale" in words


def test_svg_has_the_curve_and_for_two_parameters_the_path(tmp_path):
    out = tmp_path / "fit.svg"
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", str(EXAMPLES / "line.csv"),
            "--json", "--svg", str(out))
    assert r.exit_code == 0
    doc = xml.dom.minidom.parse(str(out))
    assert len(doc.getElementsByTagName("polyline")) == 2  # the curve and the path
    assert "http" not in out.read_text().replace("http://www.w3.org/2000/svg", "")


def test_ctrl_c_stops_with_the_state_reached(tmp_path):
    data = tmp_path / "big.csv"
    data.write_text("x,y\n" + "".join(f"{x / 20000},{2 * x / 20000 + 1 + (x % 7) / 100}\n"
                                       for x in range(20000)))
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "descend", LINE, "--params",
                             "w=0,b=0", "--data", str(data), "--steps", "100000",
                             "--until", "0", "--format", "plain"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    if proc.poll() is not None:
        pytest.skip("the run finished before the signal")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted (Ctrl-C) at step" in out and b"Traceback" not in err


# --- what a user trips over (found by trying it) --------------------------------------

LINE_CSV = str(EXAMPLES / "line.csv")


def test_a_loss_not_finite_at_the_start_is_a_math_error_and_never_bad_json():
    for fmt in ("--json", "--format=jsonl", "--format=plain"):
        r = run("descend", "w*x*x", "--params", "w=1", "x=1e200", fmt)
        assert r.exit_code == 1, r.output
        assert r.output.startswith("Error: math error at the start, w = 1: the loss is "
                                   "infinite there")
        assert "Infinity" not in r.output and "NaN" not in r.output


def test_numbers_and_sources_that_cannot_work_are_refused_before_the_run():
    for bad, said in ((["--lr", "nan"], "--lr must be a finite number above 0"),
                      (["--lr", "inf"], "--lr must be a finite number above 0"),
                      (["--lr", "0"], "--lr must be a finite number above 0, got 0"),
                      (["--until", "nan"], "--until must be a finite number")):
        r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, *bad)
        assert r.exit_code == 2 and said in r.output
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", "-", stdin="")
    assert r.exit_code == 2 and "the data has no rows: it is empty" in r.output
    r = run("descend", "-f", "-", "--params", "w=0,b=0", "--data", "-", stdin=LINE)
    assert r.exit_code == 2 and "cannot both come from stdin" in r.output
    r = run("descend", LINE, "--params", "w=0 b=0", "x=1", "y=2")
    assert r.exit_code == 2 and "put a comma between the pairs" in r.output
    r = run("descend", LINE, "--params", "x=0,w=0,b=0", "--data", LINE_CSV)
    assert r.exit_code == 2 and "x learns (its start is in --params)" in r.output
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, "x=1")
    assert r.exit_code == 2 and "x is given a value twice: as x=VALUE and as a CSV column" \
        in r.output
    r = run("descend", LINE, "--params", "w=0,b=0", "x=1", "y=2", "--svg", "/no/such/f.svg")
    assert r.exit_code == 2 and "cannot write /no/such/f.svg" in r.output
    r = run("descend", LINE, "--params", "w=0,b=0", "x=1", "y=2", "--svg", "-")
    assert r.exit_code == 2 and r.output.startswith("Error: --svg and --html write a file")
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", "-", "--json",
            stdin="x, y\n1, 3\n2, 5\n")
    assert r.exit_code == 0 and json.loads(r.output)["rows"] == 2  # spaces, as --batch


def test_a_domain_error_on_the_way_is_named_as_the_engine_names_it():
    r = run("descend", "(w-3)^2 + log(w)", "--params", "w=1", "--lr", "2", "--json")
    assert r.exit_code == 1
    d = json.loads(r.output)
    assert d["verdict"] == "diverged" and d["diverged_at"] == 2 and d["params"] == {"w": 7}
    assert "at node v₃ = log(w): log is undefined here: it needs w > 0" in d["message"]


def test_mini_batch_verdicts_say_which_numbers_are_which():
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, "--batch-size", "16",
            "--until", "0.02", "--json")
    d = json.loads(r.output)
    last = d["history"][-1]
    assert d["verdict"] == "converged" and last["grad_norm"] <= 0.02 < d["grad_norm"]
    assert (f"the mini-batch gradient's norm fell to {last['grad_norm']:.3g}" in d["message"]
            and f"over all 200 rows: loss {d['loss']:.6g}" in d["message"])
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, "--batch-size", "500",
            "--steps", "3", "--json")
    d = json.loads(r.output)
    assert d["batch_size"] is None and "every step uses them all" in d["warnings"][0]


def test_output_chooses_the_loss():
    program = "a = w*x; L = (a + b - y)^2; z = a"
    r = run("descend", program, "--params", "w=0,b=0", "--data", LINE_CSV, "--output", "L",
            "--json")
    d = json.loads(r.output)
    direct = json.loads(run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV,
                            "--json").output)
    assert r.exit_code == 0 and d["params"] == direct["params"]
    r = run("descend", program, "--params", "w=0,b=0", "--data", LINE_CSV, "--output", "L,z")
    assert r.exit_code == 2 and "one output" in r.output


def test_the_chart_puts_each_loss_on_the_row_of_its_label():
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, "--format", "plain")
    rows = [line for line in r.output.splitlines() if line[10:12] in (" |", " +")]
    assert len(rows) == 13
    labels = [float(line[:10]) for line in rows]
    d = json.loads(run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV,
                       "--json").output)
    losses = [h["loss"] for h in d["history"]]
    assert labels[0] == pytest.approx(max(losses), rel=0.05)  # 2 digits shown
    assert labels[-1] == pytest.approx(min(losses), rel=0.05)
    assert rows[0][12] != " " and rows[-1].rstrip()[-1] == "-"  # the start top, the end low
    assert all(ord(c) < 0x2500 or ord(c) > 0x257F for c in r.output)  # plain: no box drawing


def test_the_svg_says_the_whole_verdict_and_draws_a_run_of_one_step(tmp_path):
    out = tmp_path / "d.svg"
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, "--lr", "1e200",
            "--json", "--svg", str(out))
    assert r.exit_code == 1
    doc = xml.dom.minidom.parse(str(out))
    title = [t.firstChild.data for t in doc.getElementsByTagName("text")
             if t.getAttribute("font-weight") == "bold"]
    assert " ".join(title) == json.loads(r.output)["message"] and len(title) > 1  # not cut
    assert len(doc.getElementsByTagName("circle")) >= 1


def test_mini_batches_are_judged_over_all_rows_at_the_start_and_the_end(tmp_path):
    one_bad = tmp_path / "one_bad.csv"  # log(x) is undefined only on the last row
    one_bad.write_text("x,y\n" + "1,2\n" * 30 + "-1,2\n")
    r = run("descend", "(w*log(x) - y)^2", "--params", "w=0", "--data", str(one_bad),
            "--batch-size", "1", "--steps", "20", "--json")
    assert r.exit_code == 1 and "math error at the start" in r.output
    assert "(data row 31)" in r.output  # its place in the data, not in a mini-batch
    r = run("descend", LINE, "--params", "w=0,b=0", "--data", LINE_CSV, "--lr", "3",
            "--batch-size", "1", "--seed", "2", "--steps", "100000", "--json")
    d = json.loads(r.output)  # valid JSON, whatever the loss over all rows became
    assert r.exit_code == 1 and d["verdict"] == "diverged"
    assert all(math.isfinite(v) for v in [d["loss"], d["grad_norm"], *d["params"].values()])


def test_the_norm_neither_overflows_nor_underflows_and_the_header_names_the_loss():
    d = json.loads(run("descend", "1e-170*w + 1e-170*v", "--params", "w=0,v=0", "--until",
                       "0", "--steps", "2", "--json").output)
    assert d["grad_norm"] == pytest.approx(math.sqrt(2) * 1e-170) and d["verdict"] == "stopped"
    program = "; ".join(f"t{k} = w*{k}" for k in range(12)) + "; loss = (t11 - 3)^2; z = 1"
    r = run("descend", program, "--params", "w=0", "--output", "loss", "--format", "plain",
            "--steps", "3")
    assert "output loss" in r.output.splitlines()[0]


def test_chart_labels_tell_close_rows_apart():
    r = run("descend", LINE, "--params", "w=1.99,b=1.0", "--data", LINE_CSV, "--format",
            "plain")
    labels = [line[:10].strip() for line in r.output.splitlines() if line[10:12] in (" |", " +")]
    assert len(labels) == 13 and len(set(labels)) == 13
    axis = [line[11] for line in r.output.splitlines() if line[10:12] in (" |", " +")]
    assert axis.count("+") == 1  # one cross: where the curve starts
