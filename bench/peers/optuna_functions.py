#!/usr/bin/env python3
"""Optuna's TPE (univariate and multivariate) and random search on the test functions of
LeeMl.Sweep's function trials, same budget: the best value after N trials, for each search seed,
and the median over the seeds. Debian's python3-optuna; never in CI.

    /usr/bin/python3 bench/peers/optuna_functions.py --trials 50 --seeds 10
"""
import argparse
import math
import statistics
import time

import optuna

HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
              [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = [trial.suggest_float(f"x{j + 1}", 0, 1) for j in range(6)]
    return -sum(HARTMANN_ALPHA[i] * math.exp(-sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j]) ** 2 for j in range(6))) for i in range(4))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = {
        "tpe": lambda s: optuna.samplers.TPESampler(seed=s),
        "tpe-multivariate": lambda s: optuna.samplers.TPESampler(seed=s, multivariate=True),
        "random": lambda s: optuna.samplers.RandomSampler(seed=s),
    }
    print(f"optuna {optuna.__version__}: best value after {args.trials} trials, median over {args.seeds} search seeds")
    for name, objective in (("hartmann6", hartmann6), ("branin", branin)):
        for sampler, make in samplers.items():
            clock = time.perf_counter()
            bests = []
            for seed in range(args.seeds):
                study = optuna.create_study(direction="minimize", sampler=make(seed))
                study.optimize(objective, n_trials=args.trials)
                bests.append(study.best_value)
            print(f"{name:10s} {sampler:17s} median {statistics.median(bests):.4f}  "
                  f"(best {min(bests):.4f}, worst {max(bests):.4f}; {time.perf_counter() - clock:.1f} s)")


if __name__ == "__main__":
    main()
