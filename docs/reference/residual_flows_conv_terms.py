"""The official Residual Flows code (rtqichen/residual-flows) on flows4j's conv-block workload, for a comparison on
the same machine: one iResBlock of width 512 on 28x28x1 (kernels 3-1-3, LipSwish with pre-activation, coeff 0.98,
spectral norm to sn-tol 1e-3 as train_img.py), batch 16, truncated series with the Neumann gradient and the
memory-efficient estimator. Blocks at n = 2 and n = 20 terms live in one process and their Adam steps alternate; per
round (t20 - t2) / 18 is the cost of one term. It prints the median and quartiles, as flows4j's SeriesTermCostProbe.

    apt-get install -y python3-torch        # Debian's torch 1.13
    git clone https://github.com/rtqichen/residual-flows /tmp/residual-flows
    RESFLOWS=/tmp/residual-flows /usr/bin/python3 docs/reference/residual_flows_conv_terms.py 15
"""
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.environ.get("RESFLOWS", "/tmp/residual-flows"))
import resflows.layers as layers  # noqa: E402
import resflows.layers.base as base_layers  # noqa: E402

BATCH = 16


def spectral_conv(channels_in, channels_out, kernel):
    return base_layers.get_conv2d(channels_in, channels_out, kernel, 1, kernel // 2, coeff=0.98, n_iterations=None,
                                  domain=2, codomain=2, atol=1e-3, rtol=1e-3)


def block_and_optimizer(terms):
    branch = nn.Sequential(base_layers.Swish(), spectral_conv(1, 512, 3), base_layers.Swish(),
                           spectral_conv(512, 512, 1), base_layers.Swish(), spectral_conv(512, 1, 3))
    block = layers.iResBlock(branch, n_power_series=terms, n_dist="poisson", neumann_grad=True,
                             grad_in_forward=True)
    return block, torch.optim.Adam(block.parameters(), lr=1e-3)


def timed_step(block, optimizer, x):
    start = time.perf_counter()
    y, minus_logdet = block(x, torch.zeros(BATCH, 1))
    log_normal = -0.5 * (y.view(BATCH, -1) ** 2).sum(1, keepdim=True) - 0.5 * 784 * math.log(2 * math.pi)
    loss = -(log_normal - minus_logdet).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return time.perf_counter() - start


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    torch.set_num_threads(2)
    torch.manual_seed(0)
    x = torch.randn(BATCH, 1, 28, 28)
    two, twenty = block_and_optimizer(2), block_and_optimizer(20)
    for _ in range(2):
        timed_step(*two, x)
        timed_step(*twenty, x)
    short_steps, long_steps, per_term = [], [], []
    for _ in range(rounds):
        short = timed_step(*two, x)
        long = timed_step(*twenty, x)
        short_steps.append(short)
        long_steps.append(long)
        per_term.append((long - short) / 18)
    quartiles = statistics.quantiles(per_term, n=4)
    print(f"reference, {rounds} rounds: per term median {statistics.median(per_term):.4f} s "
          f"(quartiles {quartiles[0]:.4f}-{quartiles[2]:.4f}); step at n = 2 median "
          f"{statistics.median(short_steps):.3f} s, at n = 20 median {statistics.median(long_steps):.3f} s")


if __name__ == "__main__":
    main()
