#!/usr/bin/python3
"""Endurance Monte Carlo of RRAM devices in vectorized NumPy: the baseline memcarlo's benchmark compares against.

The same model as kernels/device/rram.hpp + kernels/endurance/endurance.hpp with the default technology
(docs/physics.md section 1), written the way a careful researcher would in NumPy: float32 throughout, vectorized
over devices, a Python loop over cycles, preallocated buffers and in-place ufuncs (out=), devices processed in
chunks to bound memory. Random numbers come from numpy's Philox generator (not the same streams as memcarlo,
so results agree statistically, not bit for bit).

Units: conductance uS, current uA, voltage V.

Per device (d2d): lrs_scale = exp(0.05 z), hrs_scale = exp(0.3 z); Weibull lifetime L = 1e8 (-ln u)^(1/1.5);
failure mode stuck-LRS with probability 0.5; 1 % forming failures stuck uniform in [10, 100] uS.
Per cycle t (1-based): wear a = clip((t/L - 0.5)/0.5, 0, 1);
  SET:   med = med0 (1 - 0.3 a), sigma = 1.0 sqrt(med) (1 + a), G = clip(med + sigma z, 0.01, 1000)
  RESET: med_h = 2 hrs_scale (1 + 1.0 a), G = clip(med_h exp(0.6 (1 + a) z), 0.01, 1000)
  worn out (t > L) or unformed: both states read the stuck conductance;
  reads carry 1 % Gaussian noise; 1T1R errors at a 20 uS threshold; 2T2R errors on pairs (2i, 2i+1).

Prints one line: `numpy-baseline: <rate> write-events/s (<devices> devices, <cycles> cycles, peak <MB> MB)`,
where write events = 2 x devices x cycles (SET + RESET), or a JSON object with --json.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np

# Model constants (defaults of docs/physics.md section 1; the same numbers as memcarlo's default preset).
COMPLIANCE_UA = 66.7          # SET compliance, uA
MEDIAN_K = 1.5                # uS per uA: LRS median = k * I_c
SIGMA_A = 1.0                 # c2c sigma = a * sqrt(G * 1 uS)
LRS_D2D_SIGMA_LN = 0.05
HRS_MEDIAN = 2.0              # uS
HRS_SIGMA_LN = 0.6            # c2c
HRS_D2D_SIGMA_LN = 0.3
G_MIN, G_MAX = 0.01, 1000.0   # uS
READ_SIGMA_REL = 0.01
WEIBULL_SHAPE, WEIBULL_SCALE = 1.5, 1e8
CLOSURE_ONSET = 0.5
CLOSURE_LRS_DROP = 0.3
CLOSURE_HRS_RISE = 1.0
CLOSURE_SPREAD_GROWTH = 1.0
STUCK_LRS_PROBABILITY = 0.5
FORMING_FAILURE_FRACTION = 0.01
FORMING_STUCK_MIN, FORMING_STUCK_MAX = 10.0, 100.0
READ_THRESHOLD = 20.0         # uS, 1T1R

DEFAULT_CHUNK = 1 << 20       # devices per chunk (even, so pairs never straddle chunks)


def draw_devices(rng, n):
    """Per-device (d2d) state of n devices, float32: fresh medians, lifetime, stuck-after cycle, stuck G."""
    f32 = np.float32
    z = rng.standard_normal((2, n), dtype=f32)
    u = rng.random((4, n), dtype=f32)
    u[u == 0] = f32(1e-12)  # (0, 1) for the logarithm
    lrs_scale = np.exp(f32(LRS_D2D_SIGMA_LN) * z[0])
    hrs_scale = np.exp(f32(HRS_D2D_SIGMA_LN) * z[1])
    lifetime = f32(WEIBULL_SCALE) * (-np.log(u[0])) ** f32(1.0 / WEIBULL_SHAPE)
    stuck_lrs = u[1] < STUCK_LRS_PROBABILITY
    formed = ~(u[2] < FORMING_FAILURE_FRACTION)
    med0 = f32(MEDIAN_K * COMPLIANCE_UA) * lrs_scale
    hrs0 = f32(HRS_MEDIAN) * hrs_scale
    worn = np.where(stuck_lrs, med0 * f32(1 - CLOSURE_LRS_DROP), hrs0 * f32(1 + CLOSURE_HRS_RISE))
    np.clip(worn, G_MIN, G_MAX, out=worn)
    unformed_g = f32(FORMING_STUCK_MIN) + u[3] * f32(FORMING_STUCK_MAX - FORMING_STUCK_MIN)
    stuck_g = np.where(formed, worn, unformed_g).astype(f32)
    stuck_after = np.where(formed, lifetime, f32(0)).astype(f32)
    inv_life = (f32(1) / lifetime).astype(f32)
    return med0, hrs0, inv_life, stuck_after, stuck_g


def simulate(devices, cycles, seed, chunk=DEFAULT_CHUNK):
    """Run the model; returns (seconds in the cycle loops, 1T1R errors, 2T2R errors, sum of reads uS)."""
    f32 = np.float32
    rng = np.random.Generator(np.random.Philox(seed))
    chunk = max(2, chunk - chunk % 2)
    errors_1t1r = 0
    errors_2t2r = 0
    read_sum = 0.0
    elapsed = 0.0
    # Work buffers, allocated once at the largest chunk size and sliced for the last chunk.
    nb = min(chunk, devices)
    z_flat = np.empty(4 * nb, dtype=f32)  # contiguous, so out= accepts every chunk's view
    buf_a = np.empty(nb, dtype=f32)
    buf_w = np.empty(nb, dtype=f32)
    buf_med = np.empty(nb, dtype=f32)
    buf_sig = np.empty(nb, dtype=f32)
    g_set = np.empty(nb, dtype=f32)
    g_reset = np.empty(nb, dtype=f32)
    stuck = np.empty(nb, dtype=bool)
    cmp_buf = np.empty(nb, dtype=bool)
    pair_buf = np.empty(nb // 2, dtype=bool)
    one, half = f32(1), f32(0.5)

    for begin in range(0, devices, chunk):
        n = min(chunk, devices - begin)
        med0, hrs0, inv_life, stuck_after, stuck_g = draw_devices(rng, n)
        z = z_flat[:4 * n].reshape(4, n)
        a, w, med, sig = buf_a[:n], buf_w[:n], buf_med[:n], buf_sig[:n]
        gs, gr, st, cb = g_set[:n], g_reset[:n], stuck[:n], cmp_buf[:n]
        npairs = n // 2
        pb = pair_buf[:npairs]
        t0 = time.perf_counter()
        for t in range(1, cycles + 1):
            tf = f32(t)
            rng.standard_normal(dtype=f32, out=z)
            # Wear: a = clip((t/L - onset) / (1 - onset), 0, 1).
            np.multiply(inv_life, tf, out=a)
            np.subtract(a, f32(CLOSURE_ONSET), out=a)
            np.multiply(a, f32(1.0 / (1.0 - CLOSURE_ONSET)), out=a)
            np.clip(a, 0, 1, out=a)
            # SET: med = med0 (1 - drop a); sigma = a_sig sqrt(med) (1 + growth a).
            np.multiply(a, f32(-CLOSURE_LRS_DROP), out=w)
            np.add(w, one, out=w)
            np.multiply(med0, w, out=med)
            np.sqrt(med, out=sig)
            np.multiply(a, f32(CLOSURE_SPREAD_GROWTH), out=w)
            np.add(w, one, out=w)  # w = 1 + growth a, reused below
            np.multiply(sig, w, out=sig)
            if SIGMA_A != 1.0:
                np.multiply(sig, f32(SIGMA_A), out=sig)
            np.multiply(sig, z[0], out=gs)
            np.add(gs, med, out=gs)
            np.clip(gs, G_MIN, G_MAX, out=gs)
            # RESET: log-normal around med_h = hrs0 (1 + rise a) with sigma_ln (1 + growth a).
            np.multiply(w, f32(HRS_SIGMA_LN), out=sig)
            np.multiply(sig, z[1], out=gr)
            np.exp(gr, out=gr)
            np.multiply(a, f32(CLOSURE_HRS_RISE), out=med)
            np.add(med, one, out=med)
            np.multiply(med, hrs0, out=med)
            np.multiply(gr, med, out=gr)
            np.clip(gr, G_MIN, G_MAX, out=gr)
            # Worn out (t > L) or never formed: stuck in both states.
            np.less(stuck_after, tf, out=st)
            np.copyto(gs, stuck_g, where=st)
            np.copyto(gr, stuck_g, where=st)
            # Reads with relative Gaussian noise: G (1 + s z).
            np.multiply(z[2], f32(READ_SIGMA_REL), out=w)
            np.add(w, one, out=w)
            np.multiply(gs, w, out=gs)
            np.multiply(z[3], f32(READ_SIGMA_REL), out=w)
            np.add(w, one, out=w)
            np.multiply(gr, w, out=gr)
            # 1T1R: LRS read below threshold, HRS read at or above it.
            np.less(gs, f32(READ_THRESHOLD), out=cb)
            errors_1t1r += int(np.count_nonzero(cb))
            np.greater_equal(gr, f32(READ_THRESHOLD), out=cb)
            errors_1t1r += int(np.count_nonzero(cb))
            # 2T2R on pairs (2i, 2i+1): a in LRS vs b in HRS, then b in LRS vs a in HRS.
            np.less_equal(gs[0:2 * npairs:2], gr[1:2 * npairs:2], out=pb)
            errors_2t2r += int(np.count_nonzero(pb))
            np.less_equal(gs[1:2 * npairs:2], gr[0:2 * npairs:2], out=pb)
            errors_2t2r += int(np.count_nonzero(pb))
            # Read energy is proportional to the sum of read conductances.
            read_sum += float(np.add.reduce(gs, dtype=np.float64)) + float(np.add.reduce(gr, dtype=np.float64))
        elapsed += time.perf_counter() - t0
        del med0, hrs0, inv_life, stuck_after, stuck_g
    return elapsed, errors_1t1r, errors_2t2r, read_sum


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Vectorized NumPy baseline of memcarlo's endurance workload (SET/RESET cycling with reads, "
                    "1T1R and 2T2R bit errors).")
    ap.add_argument("--devices", type=float, required=True, help="number of devices (e.g. 1e6)")
    ap.add_argument("--cycles", type=float, required=True, help="SET/RESET cycles per device")
    ap.add_argument("--seed", type=int, default=1, help="seed of numpy's Philox generator (default 1)")
    ap.add_argument("--chunk", type=float, default=DEFAULT_CHUNK,
                    help="devices per chunk, bounds memory (default %d)" % DEFAULT_CHUNK)
    ap.add_argument("--json", action="store_true", help="print a JSON object instead of the summary line")
    args = ap.parse_args(argv)
    devices, cycles, chunk = int(args.devices), int(args.cycles), int(args.chunk)
    if devices < 2 or cycles < 1 or chunk < 2 or args.seed < 0:
        print("endurance_numpy: need --devices >= 2, --cycles >= 1, --chunk >= 2, --seed >= 0", file=sys.stderr)
        return 2

    elapsed, e1, e2, _read_sum = simulate(devices, cycles, args.seed, chunk)
    writes = 2 * devices * cycles
    rate = writes / elapsed if elapsed > 0 else float("inf")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    pairs = devices // 2
    ber_1t1r = e1 / (2.0 * devices * cycles)          # two reads (LRS, HRS) per device-cycle
    ber_2t2r = e2 / (2.0 * pairs * cycles) if pairs else 0.0  # two complementary bits per pair-cycle
    if args.json:
        print(json.dumps({"rate": rate, "devices": devices, "cycles": cycles, "peak_mb": peak_mb,
                          "ber_1t1r": ber_1t1r, "ber_2t2r": ber_2t2r}))
    else:
        print("numpy-baseline: %.4g write-events/s (%d devices, %d cycles, peak %.0f MB)"
              % (rate, devices, cycles, peak_mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
