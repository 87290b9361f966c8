"""The official Residual Flows code (rtqichen/residual-flows) on the paper's MNIST model, as train_img.py builds it
with its defaults (--data mnist --imagesize 28: 16-16-16 conv blocks of width 512, kernels 3-1-3, ActNorm, 4 fc
blocks of width 128, LipSwish, coeff 0.98, sn-tol 1e-3, Poisson roulette with 2 exact terms, Neumann gradient,
memory-efficient estimator, logit transform 1e-6, batch 64), trained for a few steps on dequantised random bytes
(the timing does not depend on the data): Adam (lr 1e-3, betas 0.9/0.99), gradient clipping at 1, the spectral
norms' update and the EMA after every step, as train_img.py's train(). It prints the seconds to build the model,
each step's seconds, and the peak resident memory, for a comparison with `flows benchmark-residual --only mnist
--large` on the same machine.

    apt-get install -y python3-torch        # Debian's torch 1.13
    git clone https://github.com/rtqichen/residual-flows /tmp/residual-flows
    RESFLOWS=/tmp/residual-flows /usr/bin/python3 docs/reference/residual_flows_mnist.py 3
"""
import math
import os
import resource
import sys
import time

start = time.perf_counter()
import torch  # noqa: E402

sys.path.insert(0, os.environ.get("RESFLOWS", "/tmp/residual-flows"))
import resflows.layers as layers  # noqa: E402
import resflows.layers.base as base_layers  # noqa: E402
import resflows.optimizers as optim  # noqa: E402
import resflows.utils as utils  # noqa: E402
from resflows.resflow import ResidualFlow  # noqa: E402

BATCH = 64


def update_lipschitz(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (base_layers.SpectralNormConv2d, base_layers.SpectralNormLinear,
                              base_layers.InducedNormConv2d, base_layers.InducedNormLinear)):
                m.compute_weight(update=True)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = ResidualFlow((BATCH, 1, 28, 28), n_blocks=[16, 16, 16], intermediate_dim=512, factor_out=False,
                         quadratic=False, init_layer=layers.LogitTransform(1e-6), actnorm=True, fc_actnorm=False,
                         batchnorm=False, dropout=0., fc=False, coeff=0.98, vnorms="2222", n_lipschitz_iters=None,
                         sn_atol=1e-3, sn_rtol=1e-3, n_power_series=None, n_dist="poisson", n_samples=1,
                         kernels="3-1-3", activation_fn="swish", fc_end=True, fc_idim=128, n_exact_terms=2,
                         preact=True, neumann_grad=True, grad_in_forward=True, first_resblock=True, learn_p=False,
                         classification=False, block_type="resblock")
    ema = utils.ExponentialMovingAverage(model)
    optimizer = optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0)
    model.train()
    print(f"model ready {time.perf_counter() - start:.1f} s after the start", flush=True)
    for step in range(steps):
        t = time.perf_counter()
        x = (torch.randint(0, 256, (BATCH, 1, 28, 28)).float() + torch.rand(BATCH, 1, 28, 28)) / 256
        z, delta_logp = model(x, 0)
        logpz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).view(BATCH, -1).sum(1, keepdim=True)
        logpx = logpz - delta_logp - math.log(256) * 784
        bits_per_dim = -torch.mean(logpx) / (784 * math.log(2))
        bits_per_dim.backward()
        torch.nn.utils.clip_grad.clip_grad_norm_(model.parameters(), 1.)
        optimizer.step()
        optimizer.zero_grad()
        update_lipschitz(model)
        ema.apply()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"step {step + 1}: {time.perf_counter() - t:.1f} s, {bits_per_dim.item():.3f} bits/dim, "
              f"peak RSS {peak:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
