#!/usr/bin/python3
"""NumPy baseline of the bayes_machine bit-level algorithm (memcarlo bench bayes_machine runs it side by side).

The same machine as kernels/bayes/bayes.hpp: per-block B-bit right-shifting Fibonacci LFSRs (maximal taps,
random nonzero phases), each cycle bit = (state <= word) per (class, observation) block, AND along each class
row, one counter per class, decision by maximum count after T cycles. Vectorized the way a careful NumPy user
would: every cycle processes all inferences x classes x observations at once (uint16 states, a parity lookup
table for the feedback), in chunks of inferences that stay in cache. One bit-op = one observation's bit for one
class for one cycle, random-number generation included.
"""
import argparse
import json
import resource
import time

import numpy as np

TAPS = [0, 0x1, 0x3, 0x3, 0x3, 0x5, 0x3, 0x3, 0x1d, 0x11, 0x9, 0x5, 0x53, 0x1b, 0x2b, 0x3, 0x2d]


def run(classes, observations, cycles, bits, inferences, seed, chunk=2048):
    rng = np.random.default_rng(seed)
    taps = TAPS[bits]
    parity = np.array([bin(s & taps).count("1") & 1 for s in range(1 << bits)], dtype=np.uint16)
    decisions = np.empty(inferences, dtype=np.int64)
    for n0 in range(0, inferences, chunk):
        n = min(chunk, inferences - n0)
        words = rng.integers(1, 256 if bits >= 8 else (1 << bits), size=(n, classes, observations), dtype=np.uint16)
        state = rng.integers(1, 1 << bits, size=(n, classes, observations), dtype=np.uint16)
        counts = np.zeros((n, classes), dtype=np.int32)
        le = np.empty((n, classes, observations), dtype=bool)
        fb = np.empty_like(state)
        for _ in range(cycles):
            np.less_equal(state, words, out=le)
            counts += le.all(axis=2)
            np.take(parity, state, out=fb)
            state >>= 1
            fb <<= bits - 1
            state |= fb
        decisions[n0:n0 + n] = counts.argmax(axis=1)
    return decisions


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--observations", type=int, default=16)
    ap.add_argument("--cycles", type=int, default=255)
    ap.add_argument("--bits", type=int, default=8)
    ap.add_argument("--inferences", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    run(a.classes, a.observations, 4, a.bits, min(a.inferences, 64), a.seed)  # warm-up
    t0 = time.perf_counter()
    d = run(a.classes, a.observations, a.cycles, a.bits, a.inferences, a.seed)
    dt = time.perf_counter() - t0
    bit_ops = float(a.inferences) * a.classes * a.observations * a.cycles
    out = {"rate": bit_ops / dt, "inferences_per_s": a.inferences / dt, "seconds": dt, "bit_ops": bit_ops,
           "checksum": int(d.sum()), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"numpy bayes_machine: {out['rate']:.3g} bit-ops/s, {out['inferences_per_s']:.4g} inferences/s ({dt:.2f} s)")


if __name__ == "__main__":
    main()
