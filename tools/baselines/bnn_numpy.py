#!/usr/bin/python3
"""NumPy baseline of the bnn inference with weight errors (memcarlo bench bnn runs it side by side).

The same network and data as host/workloads/bnn/bench.cpp, from the same splitmix64 hash: 784-H-H-10 with +-1
weights, real byte inputs (0..255), hidden neurons +1 iff their pre-activation is >= 0 (batch norm with mean 0
folded), the class of the largest output (first on ties). Each chip flips the weights its hash mask selects. Done
the way a careful NumPy user would: the chip's +-1 float32 weights (mask applied by a sign multiply) and one
float32 matrix product per layer over all images (BLAS; every sum is an exact integer in float32). One binary MAC =
one weight times one input for one image.
"""
import argparse
import json
import resource
import time

import numpy as np

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix(x):
    x = x.astype(np.uint64)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def weights(sizes):
    out = []
    for l in range(len(sizes) - 1):
        ni, no = sizes[l], sizes[l + 1]
        i = np.arange(ni, dtype=np.uint64)[:, None]
        j = np.arange(no, dtype=np.uint64)[None, :]
        h = mix((np.uint64(l) << np.uint64(40)) ^ (i << np.uint64(20)) ^ j ^ np.uint64(0x1234))
        out.append(np.where(h & np.uint64(1), 1.0, -1.0).astype(np.float32))
    return out


def images(n):
    k = np.arange(n, dtype=np.uint64)[:, None]
    i = np.arange(784, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        return (mix(((k << np.uint64(20)) ^ i) + np.uint64(0x5555)) % np.uint64(256)).astype(np.float32)


def flip_signs(chip, l, ni, no, ber_ppm):
    """+-1 per weight (ni x no): -1 where the chip's mask flips weight k = j*ni + i."""
    threshold = np.uint64(int(ber_ppm * 9007199254740992.0 / 1e6))
    k = np.arange(ni * no, dtype=np.uint64)
    h = mix((np.uint64(chip + 1) << np.uint64(44)) ^ (np.uint64(l) << np.uint64(40)) ^ k ^ np.uint64(0x777))
    flip = (h >> np.uint64(11)) < threshold
    return np.where(flip, -1.0, 1.0).astype(np.float32).reshape(no, ni).T


def infer(W, X, chip, ber_ppm):
    a = X
    for l, w in enumerate(W):
        wc = w * flip_signs(chip, l, w.shape[0], w.shape[1], ber_ppm)
        z = a @ wc
        a = np.where(z >= 0, np.float32(1), np.float32(-1)) if l + 1 < len(W) else z
    return a.argmax(axis=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--chips", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--ber-ppm", type=int, default=1000)
    ap.add_argument("--binary-inputs", action="store_true", help="inputs binarized at 0.5 (bytes >= 128 -> +1, else -1)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    sizes = [784, a.hidden, a.hidden, 10]
    W = weights(sizes)
    X = images(a.images)
    if a.binary_inputs:
        X = np.where(X >= 128, np.float32(1), np.float32(-1))
    infer(W, X[:64], 0, a.ber_ppm)  # warm-up
    t0 = time.perf_counter()
    checksum = 0
    for c in range(a.chips):
        checksum += int(infer(W, X, c, a.ber_ppm).sum())
    dt = time.perf_counter() - t0
    macs = float(sum(w.size for w in W)) * a.images * a.chips
    out = {"rate": macs / dt, "seconds": dt, "binary_macs": macs, "checksum": checksum,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"numpy bnn: {out['rate']:.3g} binary MACs/s ({dt:.2f} s, checksum {checksum})")


if __name__ == "__main__":
    main()
