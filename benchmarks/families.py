"""Families (issue 23): micrograd's demo network from the shell, and reading family programs.

1. The demo: `bpcalc descend -f examples/moons.txt` (the five-line network), 100 steps of
   sgd over the 100 rows of examples/moons.csv, whole process, against the same network
   as the unrolled scalar program that a script used to generate (35 lines, 337 named
   weights, a 337-item --params), from the same start, and against micrograd's own
   training loop (its MLP(2, [16, 16, 1]), the same loss, the same start and the same
   constant learning rate), all in this run. Targets: the family program within 1.2x of
   the unrolled one; at least 100x faster than micrograd; 100% accuracy.
2. Reading: the graph of a family program against the same program unrolled as text, in
   process (`analysis.load(text, values).graph()`), per node, for several forms; and
   `sum(x[i]^2 for i in 1..n)` built and differentiated end to end at n = 10^4 .. 10^6
   (whole process, `--fields value,gradient`), whose time per node should not grow with n.

Run from the repository root (micrograd from the `bench` extra):

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/families.py
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bpcalc import analysis  # noqa: E402
from bpcalc.text.arrays import Fill  # noqa: E402

BPCALC = [sys.executable, "-m", "bpcalc"]
STEPS, LR = 100, 1.0
PARAMS = ("W1[16,2]=uniform(-1,1), b1=0, W2[16,16]=uniform(-1,1), b2=0, "
          "w3=uniform(-1,1), b3=0")


def wall(cmd: list[str], repeat: int) -> tuple[float, str]:
    """The fastest whole-process time of `cmd` and its output."""
    best, out = float("inf"), ""
    for _ in range(repeat):
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
        best = min(best, time.perf_counter() - t)
        out = done.stdout
    return best, out


def unrolled_program() -> tuple[str, list[str]]:
    """The demo network as the scalar program a generator script writes, and its weights
    in the family program's order (W1, b1, W2, b2, w3, b3; row-major)."""
    lines = [f"h1_{j} = relu(W1_{j}_1 * x1 + W1_{j}_2 * x2 + b1_{j})" for j in range(1, 17)]
    lines += [f"h2_{k} = relu({' + '.join(f'W2_{k}_{j} * h1_{j}' for j in range(1, 17))}"
              f" + b2_{k})" for k in range(1, 17)]
    lines.append(f"score = {' + '.join(f'w3_{k} * h2_{k}' for k in range(1, 17))} + b3")
    weights = [f"W1_{j}_{i}" for j in range(1, 17) for i in (1, 2)]
    weights += [f"W2_{k}_{j}" for k in range(1, 17) for j in range(1, 17)]
    weights += [f"w3_{k}" for k in range(1, 17)]
    lines.append(f"loss = relu(1 - y*score) + 1e-4 * ({' + '.join(w + '^2' for w in weights)})")
    order = [f"W1_{j}_{i}" for j in range(1, 17) for i in (1, 2)]
    order += [f"b1_{j}" for j in range(1, 17)]
    order += [f"W2_{k}_{j}" for k in range(1, 17) for j in range(1, 17)]
    order += [f"b2_{k}" for k in range(1, 17)] + [f"w3_{k}" for k in range(1, 17)] + ["b3"]
    return "\n".join(lines) + "\n", order


def flatten(v: object) -> list[float]:
    if isinstance(v, list):
        return [x for item in v for x in flatten(item)]
    return [float(v)]  # type: ignore[arg-type]


def micrograd_loop(start: list[float], rows: list[tuple[float, float, float]]) -> tuple[
        float, float, float]:
    """micrograd's demo loop (its MLP, max-margin loss, L2 on every weight but the biases,
    as the five-line program writes it), from `start`, sgd at LR: (seconds, loss, accuracy)."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])
    layers = model.layers
    weights = iter(start)
    w1 = [[next(weights) for _ in range(2)] for _ in range(16)]
    b1 = [next(weights) for _ in range(16)]
    w2 = [[next(weights) for _ in range(16)] for _ in range(16)]
    b2 = [next(weights) for _ in range(16)]
    w3 = [next(weights) for _ in range(16)]
    b3 = next(weights)
    for layer, ws, bs in ((layers[0], w1, b1), (layers[1], w2, b2), (layers[2], [w3], [b3])):
        for neuron, w, b in zip(layer.neurons, ws, bs):
            for p, v in zip(neuron.w, w):
                p.data = v
            neuron.b.data = b
    decayed = [p for layer in layers for n in layer.neurons for p in n.w]
    xs = [[Value(x1), Value(x2)] for x1, x2, _ in rows]
    t = time.perf_counter()
    for _ in range(STEPS):
        scores = [model(x) for x in xs]
        losses = [(1 + -y * s).relu() for (_, _, y), s in zip(rows, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in decayed)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
    seconds = time.perf_counter() - t
    scores = [model(x) for x in xs]
    losses = [(1 + -y * s).relu() for (_, _, y), s in zip(rows, scores)]
    final = (sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in decayed)).data
    acc = sum((y * s.data > 0) for (_, _, y), s in zip(rows, scores)) / len(rows)
    return seconds, final, acc


def demo(repeat: int) -> list[str]:
    out = ["## micrograd's demo network from the shell", ""]
    tmp = Path(tempfile.mkdtemp())
    start_file = tmp / "start.json"
    subprocess.run([*BPCALC, "descend", "-f", "examples/moons.txt", "--data",
                    "examples/moons.csv", "--params", PARAMS, "--steps", "0", "--save",
                    str(start_file), "--json"], cwd=ROOT, check=True, capture_output=True)
    start = json.loads(start_file.read_text())
    values = [x for k in ("W1", "b1", "W2", "b2", "w3", "b3") for x in flatten(start[k])]
    family_cmd = [*BPCALC, "descend", "-f", "examples/moons.txt", "--data",
                  "examples/moons.csv", "--params", PARAMS, "--steps", str(STEPS), "--lr",
                  str(LR), "--report", "acc", "--json"]
    t_family, text = wall(family_cmd, repeat)
    fam = json.loads(text)
    program, order = unrolled_program()
    (tmp / "net.txt").write_text(program)
    rows = [line.split(",") for line in (ROOT / "examples/moons.csv").read_text().split()[1:]]
    (tmp / "moons.csv").write_text("x1,x2,y\n" + "\n".join(",".join(r) for r in rows) + "\n")
    params = ",".join(f"{n}={v!r}" for n, v in zip(order, values))
    unrolled_cmd = [*BPCALC, "descend", "-f", str(tmp / "net.txt"), "--data",
                    str(tmp / "moons.csv"), "--params", params, "--steps", str(STEPS), "--lr",
                    str(LR), "--json"]
    t_unrolled, text = wall(unrolled_cmd, repeat)
    unr = json.loads(text)
    data = [(float(a), float(b), float(c)) for a, b, c in rows]
    t_on, micro_loss, micro_acc = micrograd_loop(values, data)  # as its demo runs: gc on
    gc.disable()
    t_micro, _, _ = micrograd_loop(values, data)
    gc.enable()
    out += [f"- the five-line program, `{' '.join(family_cmd[2:])}`: "
            f"{t_family:.2f} s whole process (best of {repeat}), loss {fam['loss']:.6g}, "
            f"accuracy {fam['report']['acc']:.0%}",
            f"- the same network unrolled (35 lines, 337 weights in --params), same start: "
            f"{t_unrolled:.2f} s, loss {unr['loss']:.6g}; the family program takes "
            f"{t_family / t_unrolled:.2f}x its time (target <= 1.2x)",
            f"- micrograd's own loop, same start, same loss and learning rate, the {STEPS} "
            f"steps alone: {t_on:.1f} s as its demo runs (gc on), {t_micro:.1f} s with gc "
            f"off; loss {micro_loss:.6g}, accuracy {micro_acc:.0%}; bpcalc's whole process "
            f"is {t_on / t_family:.0f}x faster ({t_micro / t_family:.0f}x than gc off; "
            "target >= 100x)", ""]
    return out


READ_FORMS = {
    "sum of squares": ("s = sum(x[i]^2 for i)",
                       lambda n: "s = " + " + ".join(f"x_{i}^2" for i in range(1, n + 1))),
    "accumulated sum": ("s = sum(x[i]^2 for i)",
                        lambda n: "s = 0\n" + "".join(f"s = s + x_{i}^2\n"
                                                      for i in range(1, n + 1))),
    "elementwise family": ("h[i] = tanh(x[i]*a + b)",
                           lambda n: "".join(f"h_{i} = tanh(x_{i}*a + b)\n"
                                             for i in range(1, n + 1))),
    "matrix-vector": ("y[j] = sum(W[j,i]*x[i] for i)",
                      lambda n: "".join("y_{j} = {s}\n".format(
                          j=j, s=" + ".join(f"W_{j}_{i}*x_{i}" for i in range(1, 101)))
                          for j in range(1, n // 100 + 1))),
}


def reading(repeat: int) -> list[str]:
    out = ["## Reading a family program, per node, against its unrolled text", "",
           "In process, gc off: `analysis.load(text, values).graph()`, best of "
           f"{repeat}.", "",
           "| form | n | nodes | family ns/node | unrolled ns/node | ratio |",
           "|---|---:|---:|---:|---:|---:|"]
    for name, (family, unrolled) in READ_FORMS.items():
        for n in (10_000, 100_000):
            shape = {"x": Fill((n if "matrix" not in name else 100,), "const", 0.5),
                     "W": Fill((n // 100, 100), "const", 0.5)}
            t_f, nodes = _build(family, shape, repeat)
            t_u, nodes_u = _build(unrolled(n), {}, repeat)
            out.append(f"| {name} | {n:,} | {nodes:,} | {1e9 * t_f / nodes:.0f} | "
                       f"{1e9 * t_u / nodes_u:.0f} | {t_f / nodes / (t_u / nodes_u):.2f}x |")
    out.append("")
    return out


def _build(text: str, given: dict, repeat: int) -> tuple[float, int]:
    best, nodes = float("inf"), 0
    gc.disable()
    for _ in range(repeat):
        t = time.perf_counter()
        graph = analysis.load(text, given).graph()
        best = min(best, time.perf_counter() - t)
        nodes = len(graph.keys)
    gc.enable()
    return best, nodes


def linear(repeat: int) -> list[str]:
    out = ["## `sum(x[i]^2 for i in 1..n)`, built and differentiated, whole process", "",
           "| n | nodes | seconds | ns/node |", "|---:|---:|---:|---:|"]
    for n in (10_000, 100_000, 1_000_000):
        cmd = [*BPCALC, "grad", "s = sum(x[i]^2 for i in 1..n)", f"n={n}", f"x[{n}]=0.5",
               "--json", "--fields", "value,gradient"]
        t, text = wall(cmd, repeat if n < 10**6 else 1)
        assert json.loads(text)["value"] == 0.25 * n
        nodes = 3 * n - 1
        out.append(f"| {n:,} | {nodes:,} | {t:.2f} | {1e9 * t / nodes:.0f} |")
    out.append("")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    random.seed(0)
    lines = [f"# Families benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{os.cpu_count()} cores, Python {sys.version.split()[0]})", ""]
    lines += demo(a.repeat) + reading(a.repeat) + linear(a.repeat)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
