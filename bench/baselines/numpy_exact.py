"""Baseline for bench/exact.ts: layer-wise exact inversion (Theorem 2) with numpy's lstsq.

Usage: python3 numpy_exact.py RUNS k,n1,n2 [k,n1,n2 ...]; prints one JSON line per shape with
the median milliseconds per inversion. Run by `npm run bench` when python3 with numpy exists.
"""
import json
import sys
import time

import numpy as np


def invert(weights, x):
    y = x
    for w in reversed(weights):
        on = y > 1e-9 * max(np.abs(y).max(), 1e-300)
        y, *_ = np.linalg.lstsq(w[on], y[on], rcond=None)
    return y


def main():
    runs = int(sys.argv[1])
    rng = np.random.default_rng(1)
    for spec in sys.argv[2:]:
        sizes = [int(s) for s in spec.split(",")]
        weights = [rng.normal(0, 1 / np.sqrt(o), size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
        times = []
        worst = 0.0
        for r in range(runs + 3):
            z = rng.normal(size=sizes[0])
            x = z
            for w in weights:
                x = np.maximum(w @ x, 0)
            t0 = time.perf_counter()
            zh = invert(weights, x)
            dt = (time.perf_counter() - t0) * 1000
            if r >= 3:
                times.append(dt)
                worst = max(worst, float(np.linalg.norm(zh - z) / np.linalg.norm(z)))
        print(json.dumps({"sizes": spec, "medianMs": float(np.median(times)), "maxRelError": worst}))


if __name__ == "__main__":
    main()
