"""An MLP on UCI Adult with PyTorch (Debian's python3-torch), as a program trial.

Parameters come as --name=value arguments (the sweep's ${args}); the seed from LEEML_TRIAL_SEED.
The data is the training part of Adult shipped beside this script; a fixed 20 % of it is the
validation set, the same for every trial. One metrics line per epoch:
  @leeml {"epoch": 3, "train_accuracy": 0.85, "validation_accuracy": 0.84, ...}
"""
import argparse
import csv
import gzip
import json
import os

import numpy as np
import torch

CONTINUOUS = [0, 2, 4, 10, 11, 12]
CATEGORICAL = [1, 3, 5, 6, 7, 8, 9, 13]


def load(path):
    rows = [r for r in csv.reader(gzip.open(path, "rt"), skipinitialspace=True) if len(r) == 15]
    y = np.array([r[14].rstrip(".") == ">50K" for r in rows], dtype=np.float32)
    cont = np.array([[float(r[i]) for i in CONTINUOUS] for r in rows], dtype=np.float32)
    parts = [(cont - cont.mean(0)) / cont.std(0)]
    for i in CATEGORICAL:
        values = np.array([r[i] for r in rows])
        levels = sorted(set(values))
        parts.append((values[:, None] == np.array(levels)[None, :]).astype(np.float32))
    return np.hstack(parts), y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("EPOCHS", "9")))
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    seed = int(os.environ.get("LEEML_TRIAL_SEED", "1"))
    x, y = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "adult.data.gz"))
    order = np.random.RandomState(0).permutation(len(y))   # the same split for every trial
    cut = int(0.8 * len(y))
    train, val = order[:cut], order[cut:]
    xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    xv, yv = torch.from_numpy(x[val]), torch.from_numpy(y[val])
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(seed)

    def measure(features, labels):
        with torch.no_grad():
            logits = model(features).squeeze(1)
            return loss_fn(logits, labels).item(), ((logits > 0).float() == labels).float().mean().item()

    for epoch in range(1, args.epochs + 1):
        model.train()
        for batch in torch.randperm(len(yt), generator=generator).split(args.batch):
            optimizer.zero_grad()
            loss_fn(model(xt[batch]).squeeze(1), yt[batch]).backward()
            optimizer.step()
        model.eval()
        train_loss, train_accuracy = measure(xt, yt)
        validation_loss, validation_accuracy = measure(xv, yv)
        print("@leeml " + json.dumps({"epoch": epoch, "train_loss": train_loss, "train_accuracy": train_accuracy,
                                      "validation_loss": validation_loss, "validation_accuracy": validation_accuracy}))


if __name__ == "__main__":
    main()
