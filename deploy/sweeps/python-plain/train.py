"""A small training program with no dependencies beyond Python 3: logistic regression with one
hidden layer on two interleaved half-moons, trained by plain SGD with momentum.

It takes its parameters as --name=value arguments (the sweep's ${args}) and its seed from
LEEML_TRIAL_SEED, and prints one metrics line per epoch. The same seed gives the same output.
"""
import argparse
import json
import math
import os
import random
import time


def moons(n, noise, rng):
    points = []
    for i in range(n):
        label = i % 2
        t = math.pi * rng.random()
        x, y = (math.cos(t), math.sin(t)) if label == 0 else (1 - math.cos(t), 0.5 - math.sin(t))
        points.append(([x + rng.gauss(0, noise), y + rng.gauss(0, noise)], label))
    return points


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("EPOCHS", "9")))
    parser.add_argument("--pause", type=float, default=float(os.environ.get("PAUSE", "0")))
    args = parser.parse_args()
    seed = int(os.environ.get("LEEML_TRIAL_SEED", "1"))
    rng = random.Random(seed)
    data = moons(400, 0.2, random.Random(1000 + seed))
    train, validation = data[:300], data[300:]
    h = args.hidden
    w1 = [[rng.gauss(0, 1) for _ in range(2)] for _ in range(h)]
    b1 = [0.0] * h
    w2 = [rng.gauss(0, 1 / math.sqrt(h)) for _ in range(h)]
    b2 = 0.0
    v = {"w1": [[0.0, 0.0] for _ in range(h)], "b1": [0.0] * h, "w2": [0.0] * h, "b2": 0.0}

    def forward(x):
        hidden = [math.tanh(w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j]) for j in range(h)]
        z = sum(w2[j] * hidden[j] for j in range(h)) + b2
        p = 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))
        return hidden, p

    def evaluate(points):
        loss, correct = 0.0, 0
        for x, y in points:
            _, p = forward(x)
            p = min(max(p, 1e-12), 1 - 1e-12)
            loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
            correct += (p > 0.5) == (y == 1)
        return loss / len(points), correct / len(points)

    order = list(range(len(train)))
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(order)
        for i in order:
            x, y = train[i]
            hidden, p = forward(x)
            dz = p - y
            for j in range(h):
                dh = dz * w2[j] * (1 - hidden[j] ** 2)
                v["w2"][j] = args.momentum * v["w2"][j] + dz * hidden[j]
                w2[j] -= args.lr * v["w2"][j]
                for k in range(2):
                    v["w1"][j][k] = args.momentum * v["w1"][j][k] + dh * x[k]
                    w1[j][k] -= args.lr * v["w1"][j][k]
                v["b1"][j] = args.momentum * v["b1"][j] + dh
                b1[j] -= args.lr * v["b1"][j]
            v["b2"] = args.momentum * v["b2"] + dz
            b2 -= args.lr * v["b2"]
        train_loss, train_accuracy = evaluate(train)
        validation_loss, validation_accuracy = evaluate(validation)
        print("@leeml " + json.dumps({
            "epoch": epoch, "train_loss": train_loss, "train_accuracy": train_accuracy,
            "validation_loss": validation_loss, "validation_accuracy": validation_accuracy,
        }))
        if args.pause:
            time.sleep(args.pause)


if __name__ == "__main__":
    main()
