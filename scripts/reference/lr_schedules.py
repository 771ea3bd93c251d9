"""The learning rate of every update under each of seq2seq-node's schedules, as PyTorch's schedulers give it:
the reference for src/train/lr-schedule.ts.

  plateau       torch.optim.lr_scheduler.ReduceLROnPlateau(mode, factor=decay, patience, min_lr), step(measure)
                after each epoch (threshold 1e-4 'rel', cooldown 0: PyTorch's defaults)
  warmup-rsqrt  LambdaLR over updates: (k + 1) / W during warmup, then sqrt(W / (k + 1)), not below min_lr / lr
  step          LambdaLR over updates: decay ** n, n the half epochs begun after epoch `decayStart` (the second
                half of an epoch of U updates starts at update (U + 1) // 2), not below min_lr / lr

usage: /usr/bin/python3 scripts/reference/lr_schedules.py < specs.json > rates.json
specs: [{schedule, lr, decay, patience, minLr, warmupSteps, decayStart, mode, updates: [U per epoch],
        measures: [one per epoch]}, ...]
rates: per spec, [[the rate of each update] per epoch]
"""
import json
import math
import sys

import torch

def schedule_rates(spec):
    lr = spec["lr"]
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)

    def current():
        return opt.param_groups[0]["lr"]

    rates = []
    if spec["schedule"] == "plateau":
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode=spec["mode"], factor=spec["decay"], patience=spec["patience"], min_lr=spec["minLr"]
        )
        for updates, measure in zip(spec["updates"], spec["measures"]):
            rates.append([current()] * updates)
            scheduler.step(measure)
    else:
        # Each update's epoch (1-based) and index in it, for the step schedule's lambda.
        where = [(e + 1, i, u) for e, u in enumerate(spec["updates"]) for i in range(u)]
        floor = spec["minLr"] / lr
        W = spec["warmupSteps"]

        def warmup_rsqrt(k):
            s = k + 1
            return s / W if s <= W else max(floor, math.sqrt(W / s))

        def halving(k):
            e, i, u = where[min(k, len(where) - 1)]
            if e <= spec["decayStart"]:
                return 1.0
            n = 2 * (e - spec["decayStart"] - 1) + 1 + (1 if i >= (u + 1) // 2 else 0)
            return max(floor, spec["decay"] ** n)

        scheduler = torch.optim.lr_scheduler.LambdaLR(
            opt, warmup_rsqrt if spec["schedule"] == "warmup-rsqrt" else halving
        )
        for updates in spec["updates"]:
            epoch = []
            for _ in range(updates):
                epoch.append(current())
                opt.step()
                scheduler.step()
            rates.append(epoch)
    return rates


json.dump([schedule_rates(spec) for spec in json.load(sys.stdin)], sys.stdout)
