"""Write examples/moons.csv: 100 points of two interleaved half circles with Gaussian noise
0.1, labels -1 and 1, as scikit-learn's make_moons(n_samples=100, noise=0.1) draws them
(micrograd's demo data), from Python's own random numbers with a fixed seed.

    python examples/make_moons.py > examples/moons.csv
"""

import math
import random

N, NOISE, SEED = 100, 0.1, 1


def moons(n: int, noise: float, rng: random.Random) -> list[tuple[float, float, int]]:
    outer, inner = n // 2, n - n // 2
    pts = [(math.cos(math.pi * k / (outer - 1)), math.sin(math.pi * k / (outer - 1)), -1)
           for k in range(outer)]
    pts += [(1 - math.cos(math.pi * k / (inner - 1)), 0.5 - math.sin(math.pi * k / (inner - 1)), 1)
            for k in range(inner)]
    rng.shuffle(pts)
    return [(x + rng.gauss(0, noise), y + rng.gauss(0, noise), label) for x, y, label in pts]


if __name__ == "__main__":
    print("x[1],x[2],y")
    for x, y, label in moons(N, NOISE, random.Random(SEED)):
        print(f"{x:.6f},{y:.6f},{label}")
