#!/usr/bin/python3
"""NumPy baseline of `memcarlo bench bayes_nn`: read-mode sampled inferences of a 32-16-9 Bayesian network stored
as device pairs (w = (G+ - G-)/gamma), written the way a researcher vectorises it: for a chunk of inputs, every
sampled inference draws fresh Gaussian read noise on every device (sigma = sigma_rel * G), then two batched
matrix-vector products (einsum), a ReLU and a softmax.

Conductances and inputs follow the deterministic formulas of memcarlo's benchmark; the random streams differ, so
the two agree in distribution (the mean predictive entropy over the inputs).

Prints one line, or a JSON object with --json ({"rate", "peak_mb", "mean_entropy", "entropy_se"}).
"""
import argparse
import json
import resource
import time

import numpy as np

SIZES = [32, 16, 9]


def network():
    gp, gm = [], []
    for l in range(2):
        ni, no = SIZES[l] + 1, SIZES[l + 1]
        i, k = np.meshgrid(np.arange(ni), np.arange(no), indexing="ij")
        gp.append(10.0 + 90.0 * ((i * 7 + k * 13 + l * 5) % 17) / 16.0)
        gm.append(10.0 + 90.0 * ((i * 11 + k * 3 + l * 7 + 5) % 17) / 16.0)
    return gp, gm


def inputs(n):
    p, f = np.meshgrid(np.arange(n), np.arange(32), indexing="ij")
    return ((p * 31 + f * 17) % 11) / 5.0 - 1.0


def sample(x, gp, gm, M, sigma_rel, gamma, rng, chunk=64):
    """Logits (n, M, 9): every (input, sample) reads every device afresh."""
    n = x.shape[0]
    out = np.empty((n, M, SIZES[-1]))
    for s in range(0, n, chunk):
        xs = x[s:s + chunk]
        b = xs.shape[0]
        h = np.repeat(xs[:, None, :], M, axis=1).reshape(b * M, -1)
        for l in range(2):
            wp = gp[l] * (1.0 + sigma_rel * rng.standard_normal((b * M,) + gp[l].shape))
            wm = gm[l] * (1.0 + sigma_rel * rng.standard_normal((b * M,) + gm[l].shape))
            hb = np.concatenate([h, np.ones((b * M, 1))], axis=1)
            a = np.einsum("ni,nij->nj", hb, (wp - wm) / gamma)
            h = np.maximum(a, 0.0) if l == 0 else a
        out[s:s + b] = h.reshape(b, M, -1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=200)
    ap.add_argument("--samples", type=int, default=50)
    ap.add_argument("--sigma-rel", type=float, default=0.05)
    ap.add_argument("--gamma", type=float, default=100.0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    gp, gm = network()
    x = inputs(a.inputs)
    rng = np.random.default_rng(1)
    sample(x[:4], gp, gm, a.samples, a.sigma_rel, a.gamma, rng)  # warm-up
    t0 = time.perf_counter()
    logits = sample(x, gp, gm, a.samples, a.sigma_rel, a.gamma, rng)
    dt = time.perf_counter() - t0
    z = logits - logits.max(axis=2, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=2, keepdims=True)
    pm = p.mean(axis=1)
    h = -(pm * np.log(np.where(pm > 0, pm, 1.0))).sum(axis=1)
    rate = a.inputs * a.samples / dt
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    se = float(h.std(ddof=1) / np.sqrt(len(h))) if len(h) > 1 else 0.0
    if a.json:
        print(json.dumps({"rate": rate, "peak_mb": peak, "mean_entropy": float(h.mean()), "entropy_se": se}))
    else:
        print("numpy-baseline: %.4g sampled-inferences/s (%d inputs x %d samples, peak %.0f MB, mean predictive entropy %.5f)"
              % (rate, a.inputs, a.samples, peak, h.mean()))


if __name__ == "__main__":
    main()
