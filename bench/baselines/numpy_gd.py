"""Baseline for bench/gd.ts: gradient descent on ½‖G(z) − x‖² with numpy (float64), the same
forward/backward pass as geninv's. Usage: python3 numpy_gd.py ITERS k,n1,n2 [...]; prints one JSON
line per shape with milliseconds per iteration (median of 5 runs)."""
import json
import sys
import time

import numpy as np


def run(weights, x, z, iters, lr):
    for _ in range(iters):
        hs, pres = [z], []
        for w in weights:
            a = w @ hs[-1]
            pres.append(a)
            hs.append(np.maximum(a, 0))
        g = hs[-1] - x
        for w, a in zip(reversed(weights), reversed(pres)):
            g = w.T @ (g * (a > 0))
        z = z - lr * g
    return z


def main():
    iters = int(sys.argv[1])
    rng = np.random.default_rng(1)
    for spec in sys.argv[2:]:
        sizes = [int(s) for s in spec.split(",")]
        weights = [rng.normal(0, 1 / np.sqrt(o), size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
        zs = rng.normal(size=sizes[0])
        x = zs
        for w in weights:
            x = np.maximum(w @ x, 0)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            run(weights, x, rng.normal(size=sizes[0]), iters, 1.0)
            times.append((time.perf_counter() - t0) * 1000 / iters)
        print(json.dumps({"sizes": spec, "msPerIteration": float(np.median(times))}))


if __name__ == "__main__":
    main()
