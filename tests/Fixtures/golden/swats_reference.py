#!/usr/bin/env python3
"""SWATS (Keskar & Socher 2017, "Improving Generalization Performance by Switching from Adam to
SGD", Algorithm 1), written from the paper for the golden vectors of the optimizer: plain Python
floats (IEEE double), no library. Writes swats.json in the format of optimizers.json.

Algorithm 1, per step k = 1, 2, ...:
  Adam phase:  m = b1 m + (1-b1) g;  a = b2 a + (1-b2) g^2
               p = -lr * sqrt(1-b2^k)/(1-b1^k) * m / (sqrt(a) + eps);  w = w + p
               if p.g != 0:  gamma = (p.p) / (-p.g);  lam = b2 lam + (1-b2) gamma
                             if k > 1 and |lam/(1-b2^k) - gamma| < eps:  switch, Lambda = lam/(1-b2^k), v = 0
  SGD phase:   v = b1 v + g;  w = w - (1-b1) Lambda v
Weight decay (an addition, as for the other optimizers here): g = g + wd * w before the step.
"""
import json, math, sys

def swats(x, grad, steps, lr, b1=0.9, b2=0.999, eps=1e-9, wd=0.0, f=None):
    n = len(x)
    m = [0.0] * n; a = [0.0] * n; v = [0.0] * n
    lam = 0.0; Lam = None; switched = None
    rows = []
    for k in range(1, steps + 1):
        loss = f(x)
        g = grad(x)
        g = [gi + wd * xi for gi, xi in zip(g, x)]
        if Lam is not None:
            for i in range(n):
                v[i] = b1 * v[i] + g[i]
                x[i] = x[i] - (1 - b1) * Lam * v[i]
        else:
            step = lr * math.sqrt(1 - b2 ** k) / (1 - b1 ** k)
            p = [0.0] * n
            for i in range(n):
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                a[i] = b2 * a[i] + (1 - b2) * g[i] * g[i]
                p[i] = -step * m[i] / (math.sqrt(a[i]) + eps)
                x[i] = x[i] + p[i]
            pg = sum(pi * gi for pi, gi in zip(p, g))
            if pg != 0:
                gamma = sum(pi * pi for pi in p) / -pg
                lam = b2 * lam + (1 - b2) * gamma
                corrected = lam / (1 - b2 ** k)
                if k > 1 and abs(corrected - gamma) < eps:
                    Lam = corrected
                    switched = k
        rows.append([k - 1, loss] + list(x))
    return rows, switched

def problems(golden):
    """Loss and gradient of the problems of optimizers.json (the same formulas and data)."""
    X, Y = golden["logistic"]["X"], golden["logistic"]["y"]
    def lf(w):
        s = 0.0
        for xi, yi in zip(X, Y):
            z = sum(a * b for a, b in zip(w[:3], xi)) + w[3]
            s += math.log1p(math.exp(z)) - yi * z
        return s / len(X)
    def lg(w):
        g = [0.0] * 4
        for xi, yi in zip(X, Y):
            z = sum(a * b for a, b in zip(w[:3], xi)) + w[3]
            r = 1 / (1 + math.exp(-z)) - yi
            for j in range(3):
                g[j] += r * xi[j]
            g[3] += r
        return [gj / len(X) for gj in g]
    return {
        "quadratic": (lambda x: 0.5 * (x[0] ** 2 + 10 * x[1] ** 2), lambda x: [x[0], 10 * x[1]]),
        "rosenbrock": (lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
                       lambda x: [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)]),
        "logistic": (lf, lg),
    }

# id, problem, start, steps, params
CASES = [
    ("swats-logistic", "logistic", [0.0, 0.0, 0.0, 0.0], 120, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "weight_decay": 0.0}),
    ("swats-logistic-decay", "logistic", [0.0, 0.0, 0.0, 0.0], 120, {"lr": 0.002, "beta1": 0.9, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.01}),
    ("swats-rosenbrock", "rosenbrock", [-1.5, 2.0], 150, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "weight_decay": 0.0}),
    ("swats-quadratic-adam-only", "quadratic", [3.0, 1.0], 100, {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-9, "weight_decay": 0.0}),
]

if __name__ == "__main__":
    here = sys.argv[1] if len(sys.argv) > 1 else "."
    golden = json.load(open(f"{here}/optimizers.json"))["problems"]
    fns = problems(golden)
    cases = []
    for cid, problem, start, steps, p in CASES:
        f, g = fns[problem]
        rows, switched = swats(list(start), g, steps, p["lr"], p["beta1"], p["beta2"], p["eps"], p["weight_decay"], f)
        x = rows[-1][2:]
        cases.append({"id": cid, "optimizer": "swats", "params": p, "problem": problem, "start": start, "steps": steps,
                      "trajectory": rows, "final": {"x": x, "loss": f(list(x))}, "switch_step": switched})
        print(cid, "switched at step", switched, file=sys.stderr)
    out = {"format_version": 1, "kind": "optimizers", "set": "swats",
           "generator": "tests/Fixtures/golden/swats_reference.py (Algorithm 1 of Keskar & Socher 2017, plain Python floats)",
           "peer": "an implementation of the paper's algorithm written for these vectors; no library",
           "tolerance": {"rel": 1e-09, "rule": "|got - want| <= 1e-9 * max(1, |want|), every number"},
           "conventions": "as optimizers.json; switch_step is the 1-based step after which SWATS runs SGD (null: it never switched)",
           "problems": {k: golden[k] for k in ("quadratic", "rosenbrock", "logistic")},
           "cases": cases}
    with open(f"{here}/swats.json", "w") as fh:
        json.dump(out, fh, indent=1)
