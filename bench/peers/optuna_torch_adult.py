#!/usr/bin/python3
"""Peer for the program benchmark: the PyTorch example of deploy/sweeps/torch-adult swept by Optuna
in one Python process — the same model, data, split and loop (imported from its train.py), the same
search (12 trials: random lr, momentum, width 32 or 128) with successive halving (grace 1,
reduction 3) and 2 threads. Needs Debian's python3-torch and python3-optuna; not for CI.

Usage: /usr/bin/python3 optuna_torch_adult.py PATH/TO/train.py
"""
import importlib.util
import os
import sys

import numpy as np
import optuna
import torch

spec = importlib.util.spec_from_file_location("train", sys.argv[1])
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
torch.set_num_threads(1)
x, y = train.load(os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "adult.data.gz"))
order = np.random.RandomState(0).permutation(len(y))
cut = int(0.8 * len(y))
xt, yt = torch.from_numpy(x[order[:cut]]), torch.from_numpy(y[order[:cut]])
xv, yv = torch.from_numpy(x[order[cut:]]), torch.from_numpy(y[order[cut:]])
EPOCHS, BATCH = 9, 256
epochs_trained = 0


def objective(trial):
    global epochs_trained
    lr = trial.suggest_float("lr", 0.001, 0.3, log=True)
    momentum = trial.suggest_float("momentum", 0.0, 0.95)
    hidden = trial.suggest_categorical("hidden", [32, 128])
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(1)
    accuracy = 0.0
    for epoch in range(1, EPOCHS + 1):
        for batch in torch.randperm(len(yt), generator=generator).split(BATCH):
            optimizer.zero_grad()
            loss_fn(model(xt[batch]).squeeze(1), yt[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = ((model(xv).squeeze(1) > 0).float() == yv).float().mean().item()
        epochs_trained += 1
        trial.report(accuracy, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return accuracy


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=7),
                            pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
study.optimize(objective, n_trials=12, n_jobs=2)
print(f"{len(study.trials)} trials, {epochs_trained} epochs trained, best validation {100 * study.best_value:.2f} %")
