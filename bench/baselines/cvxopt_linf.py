"""Baseline for bench/lp.ts: the authors' Algorithm 1 (layer-wise ℓ∞ LP, eq. (6)) on cvxopt, GIVEN
the true noise level: each layer's scan starts at ε₀ = e and raises ε ← 1.2·ε until the LP's
optimal δ is ≤ ε (the cap δ ≤ ε of Algorithm 1), as the paper's code starts it.

Usage: python3 cvxopt_linf.py PROBLEM.json; the file holds {"weights": [[rows of W_1], …],
"biases": [...] | null, "noise": e, "xs": [[…], …], "zs": [[…], …]} (the networks and observations
geninv inverts in the same run). Prints one JSON line: median milliseconds per inversion and the
median ‖z − z*‖/‖z*‖ in units of e.
"""
import json
import sys
import time

import numpy as np
from cvxopt import matrix, solvers

solvers.options["show_progress"] = False


def linf_layer(w, x, eps):
    """min δ s.t. |w_j·z − x_j| ≤ δ (x_j > ε), w_j·z ≤ x_j + δ (x_j ≤ ε); variables (z, δ)."""
    n, k = w.shape
    on = x > eps
    rows = [np.hstack([w, -np.ones((n, 1))])]  # w z − δ ≤ x (every row's upper side)
    rhs = [x]
    if on.any():
        rows.append(np.hstack([-w[on], -np.ones((on.sum(), 1))]))  # −w z − δ ≤ −x (active rows)
        rhs.append(-x[on])
    g = np.vstack(rows)
    h = np.concatenate(rhs)
    c = np.zeros(k + 1)
    c[k] = 1.0
    sol = solvers.lp(matrix(c), matrix(g), matrix(h))
    v = np.array(sol["x"]).ravel()
    return v[:k], v[k]


def invert(weights, x, eps0, alpha=1.2):
    y = x
    for w in reversed(weights):
        eps = eps0
        for _ in range(200):
            z, delta = linf_layer(w, y, eps)
            if delta <= eps:
                break
            eps *= alpha
        y = z
    return y


def main():
    prob = json.load(open(sys.argv[1]))
    weights = [np.array(w, dtype=float) for w in prob["weights"]]
    e = float(prob["noise"])
    times, errs = [], []
    xs = [np.array(x, dtype=float) for x in prob["xs"]]
    zs = [np.array(z, dtype=float) for z in prob["zs"]]
    invert(weights, xs[0], e)  # warm up
    for x, z in zip(xs, zs):
        t0 = time.perf_counter()
        zh = invert(weights, x, e)
        times.append((time.perf_counter() - t0) * 1000)
        errs.append(float(np.linalg.norm(zh - z) / np.linalg.norm(z)) / e)
    print(json.dumps({"medianMs": float(np.median(times)), "medianErrOverE": float(np.median(errs)), "runs": len(xs)}))


if __name__ == "__main__":
    main()
