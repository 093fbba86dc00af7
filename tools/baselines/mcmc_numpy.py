#!/usr/bin/python3
"""Metropolis-Hastings with memristor-write proposals in vectorized NumPy: the baseline of `memcarlo bench mcmc`.

The same sampler as kernels/mcmc/mcmc.hpp + kernels/cpu/mcmc.cpp on the benchmark problem (docs/physics.md section 2,
Dalgaty et al. 2021), written the way a careful researcher would in NumPy: float32 throughout, vectorized over
chains (C chains advance together, a Python loop over steps), preallocated (C, N) buffers and in-place ufuncs
(out=), the logits of every chain cached and updated incrementally. Random numbers come from numpy's Philox
generator (not the same streams as memcarlo, so results agree statistically, not bit for bit).

Units: conductance uS.

Problem: Bayesian logistic regression of the Wisconsin breast cancer data (data/breast_cancer.csv, 569 rows x 30
features, label 0/1 in the last column). A seeded 80/20 split; every feature z-scored with the training rows'
mean and population sd; a constant 1 appended (31 weights, the last is the bias). Weights are differential pairs
of devices, w_p = (G[2p] - G[2p+1]) * 0.05 (62 devices per chain); the prior is N(0, 1) on every weight.

Devices (hfo2_1t1r, fresh: no wear within a benchmark, read noise off): a per-device d2d factor
s = exp(0.05 z) drawn once; a write aimed at g has median mu = g s and c2c sigma = 1.0 sqrt(mu * 1 uS), and
lands at G = clip(mu + sigma z, 0.01, 1000). Every device is first programmed by a write aimed at 50 uS.

One chain-step (every chain at once):
  1. pick a device j uniformly;
  2. propose G' by a write aimed at the device's own conductance G_j (the RESET + SET of the hardware sampler);
  3. Hastings correction with the nominal proposal q(b | a) = N(b; a, a):
       log q(G | G') - log q(G' | G) = (G' - G)^2 (1/G - 1/G') / 2 + log(G / G') / 2;
     a write clipped at a bound is rejected (the target has no mass there);
  4. the cached logits of the chain move by dw x_p, dw = +-(G' - G) * 0.05 (sign by which device of the pair);
  5. log-likelihood sum_i (y_i z_i - softplus(z_i)) with softplus(z) = logaddexp(0, z), plus the log prior;
  6. accept when log u < delta log target + log Hastings; accepted chains take G', w and the new logits.
A rejected write is restored by the array in hardware; here (as in memcarlo's timing) it costs nothing.

Prints one line: `numpy-baseline: <rate> chain-steps/s (<chains> chains, <steps> steps, peak <MB> MB)`, where only
the step loop is timed (after a short warm-up), or a JSON object with --json. --check adds to stderr the mean
log target before and after the run and the drift of the incremental logits against a full re-evaluation.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

# Model constants (memcarlo's hfo2_1t1r preset and the defaults of `memcarlo bench mcmc`).
WEIGHT_SCALE = 0.05           # weight per uS of differential conductance
G_INIT = 50.0                 # uS, where every device is first programmed
SIGMA_A = 1.0                 # c2c sigma = a * sqrt(G * 1 uS)
LRS_D2D_SIGMA_LN = 0.05
G_MIN, G_MAX = 0.01, 1000.0   # uS
PRIOR_SIGMA = 1.0
TEST_FRACTION = 0.2
WARMUP_STEPS = 3

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "breast_cancer.csv")


def load_problem(path, rng):
    """Training inputs as a (31, N) float32 array (feature-major, bias feature last) and labels y (N,) float32."""
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    x, y = raw[:, :-1], raw[:, -1]
    order = rng.permutation(len(y))
    n_test = int(round(TEST_FRACTION * len(y)))
    train = order[n_test:]
    x, y = x[train], y[train]
    mean = x.mean(axis=0)
    sd = x.std(axis=0)  # population sd
    sd[sd == 0] = 1.0
    xz = (x - mean) / sd
    xt = np.vstack([xz.T, np.ones((1, len(y)))])
    return np.ascontiguousarray(xt, dtype=np.float32), y.astype(np.float32)


def device_write(g_target, scale, z):
    """Conductance after a write aimed at g_target (arrays), d2d factor `scale`, standard normals z."""
    mu = g_target * scale
    g = np.sqrt(mu)
    if SIGMA_A != 1.0:
        g *= np.float32(SIGMA_A)
    g *= z
    g += mu
    np.clip(g, G_MIN, G_MAX, out=g)
    return g


def log_lik(logits, y, sp_buf):
    """sum_i (y_i z_i - softplus(z_i)) per row of logits (C, N); sp_buf: a (C, N) float32 scratch array."""
    np.logaddexp(np.float32(0), logits, out=sp_buf)
    return logits @ y - sp_buf.sum(axis=1)


def simulate(chains, steps, seed, data_path, check=False):
    """Run the sampler; returns (seconds in the timed step loop, acceptance over the timed steps, diagnostics)."""
    f32 = np.float32
    rng = np.random.Generator(np.random.Philox(seed))
    xt, y = load_problem(data_path, rng)
    features, n = xt.shape
    devices = 2 * features
    C = chains
    rows = np.arange(C)

    # Devices: d2d factors, first programming, weights, cached logits, log target.
    d2d = np.exp(f32(LRS_D2D_SIGMA_LN) * rng.standard_normal((C, devices), dtype=f32))
    g = device_write(np.full((C, devices), G_INIT, dtype=f32), d2d, rng.standard_normal((C, devices), dtype=f32))
    w = (g[:, 0::2] - g[:, 1::2]) * f32(WEIGHT_SCALE)
    logits = w @ xt                                            # (C, N)
    new_logits = np.empty_like(logits)
    sp_buf = np.empty_like(logits)
    half_inv_var = f32(0.5 / PRIOR_SIGMA ** 2)
    ll = log_lik(logits, y, sp_buf)
    lp = -half_inv_var * np.einsum("cp,cp->c", w, w)
    lt = ll + lp
    lt_start = float(lt.mean())

    # Per-step work arrays.
    z = np.empty(C, dtype=f32)
    u = np.empty(C, dtype=f32)
    lh = np.empty(C, dtype=f32)
    tmp = np.empty(C, dtype=f32)
    accepted = 0
    elapsed = 0.0

    for t in range(WARMUP_STEPS + steps):
        if t == WARMUP_STEPS:
            accepted = 0
            t0 = time.perf_counter()
        # 1. device of every chain; draws of the write and of the decision.
        j = rng.integers(0, devices, size=C)
        rng.standard_normal(dtype=f32, out=z)
        rng.random(dtype=f32, out=u)
        p = j >> 1
        # 2. the write, aimed at the device's own conductance.
        g_old = g[rows, j]
        g_new = device_write(g_old, d2d[rows, j], z)
        reject = (g_new <= f32(G_MIN)) | (g_new >= f32(G_MAX))
        # 3. log Hastings correction of the nominal proposal N(a, a).
        np.subtract(g_new, g_old, out=tmp)
        dg = tmp.copy()
        np.square(tmp, out=tmp)
        np.multiply(tmp, np.reciprocal(g_old) - np.reciprocal(g_new), out=tmp)
        np.log(g_old / g_new, out=lh)
        lh += tmp
        lh *= f32(0.5)
        # 4. weight change and the incremental logits z + dw x_p of every chain.
        dw = dg * f32(WEIGHT_SCALE)
        np.negative(dw, out=dw, where=(j & 1).astype(bool))
        w_old = w[rows, p]
        w_new = w_old + dw
        lp_new = lp - half_inv_var * (w_new * w_new - w_old * w_old)
        np.take(xt, p, axis=0, out=new_logits)
        new_logits *= dw[:, None]
        new_logits += logits
        # 5. log target of the proposals.
        lt_new = log_lik(new_logits, y, sp_buf)
        ll_new = lt_new.copy()
        lt_new += lp_new
        # 6. accept / reject, then update the accepted chains.
        np.subtract(lt_new, lt, out=tmp)
        tmp += lh
        acc = np.log(u) < tmp
        acc &= ~reject
        ia = np.flatnonzero(acc)
        g[ia, j[ia]] = g_new[ia]
        w[ia, p[ia]] = w_new[ia]
        np.copyto(logits, new_logits, where=acc[:, None])
        np.copyto(lt, lt_new, where=acc)
        np.copyto(lp, lp_new, where=acc)
        np.copyto(ll, ll_new, where=acc)
        accepted += len(ia)
    elapsed = time.perf_counter() - t0

    diag = {"log_target_start": lt_start, "log_target_end": float(lt.mean())}
    if check:
        # The incremental path must agree with weights recomputed from the devices and a full evaluation.
        w_full = (g[:, 0::2] - g[:, 1::2]) * f32(WEIGHT_SCALE)
        full_logits = w_full @ xt
        diag["max_weight_drift"] = float(np.abs(w_full - w).max())
        diag["max_logit_drift"] = float(np.abs(full_logits - logits).max())
        diag["max_log_lik_drift"] = float(np.abs(log_lik(full_logits, y, sp_buf) - ll).max())
        diag["train_accuracy_mean_chain"] = float(((full_logits > 0) == (y > 0.5)).mean())
    return elapsed, accepted / float(C * steps), diag


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Vectorized NumPy baseline of memcarlo's mcmc benchmark (Metropolis-Hastings with device-write "
                    "proposals, Bayesian logistic regression of the breast cancer data, cached logits).")
    ap.add_argument("--chains", type=float, default=4096, help="chains run in parallel (default 4096)")
    ap.add_argument("--steps", type=float, default=200, help="timed steps of every chain (default 200)")
    ap.add_argument("--seed", type=int, default=1, help="seed of numpy's Philox generator (default 1)")
    ap.add_argument("--data", default=DEFAULT_DATA, help="breast cancer CSV (default data/breast_cancer.csv)")
    ap.add_argument("--json", action="store_true", help="print a JSON object instead of the summary line")
    ap.add_argument("--check", action="store_true",
                    help="also report (stderr) the mean log target before/after and the incremental-update drift")
    args = ap.parse_args(argv)
    chains, steps = int(args.chains), int(args.steps)
    if chains < 1 or steps < 1 or args.seed < 0:
        print("mcmc_numpy: need --chains >= 1, --steps >= 1, --seed >= 0", file=sys.stderr)
        return 2
    if not os.path.isfile(args.data):
        print("mcmc_numpy: no such file %s" % args.data, file=sys.stderr)
        return 2

    elapsed, acceptance, diag = simulate(chains, steps, args.seed, args.data, args.check)
    rate = chains * steps / elapsed if elapsed > 0 else float("inf")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if args.check:
        print("mcmc_numpy check: " + ", ".join("%s %.6g" % kv for kv in diag.items()), file=sys.stderr)
    if args.json:
        print(json.dumps({"rate": rate, "chains": chains, "steps": steps, "peak_mb": peak_mb,
                          "acceptance": acceptance}))
    else:
        print("numpy-baseline: %.4g chain-steps/s (%d chains, %d steps, peak %.0f MB)"
              % (rate, chains, steps, peak_mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
