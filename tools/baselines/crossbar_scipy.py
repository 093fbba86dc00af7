#!/usr/bin/python3
"""SciPy baseline of `memcarlo bench crossbar_mlp`: the same passive-crossbar circuit solved the way a
researcher writes it (nodal analysis, scipy.sparse + sparse LU, every input pattern a right-hand side).

A rows x cols array, inputs on the rows (driven at column 0 through the contact resistance), outputs on the
columns (held at virtual ground at the last row through the contact resistance), wire resistance per cell
segment. Chip k's conductances and the input patterns follow the deterministic formulas that memcarlo's
benchmark uses, so both print the same checksum (the sum of every output current, uA).

Prints one line: `scipy-baseline: <rate> chips/s (...)`, or a JSON object with --json
({"rate", "peak_mb", "checksum"}).
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def conductances(chip, rows, cols):
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return 10.0 + 90.0 * ((i * 7 + j * 13 + chip * 5) % 17) / 16.0  # uS


def inputs(n_inputs, rows):
    p, i = np.meshgrid(np.arange(n_inputs), np.arange(rows), indexing="ij")
    return np.where((p * 31 + i * 17) % 3 == 0, -0.2, 0.2)  # V, n_inputs x rows


def solve_chip(G, V, r_contact, r_wire):
    m, n = G.shape
    N = 2 * m * n
    r = lambda i, j: i * n + j
    c = lambda i, j: m * n + j * m + i
    rows_, cols_, vals = [], [], []

    def stamp(a, b, g):
        rows_.extend([a, b, a, b])
        cols_.extend([a, b, b, a])
        vals.extend([g, g, -g, -g])

    for i in range(m):
        for j in range(n):
            stamp(r(i, j), c(i, j), G[i, j])
    gw = 1e6 / r_wire
    for i in range(m):
        for j in range(n - 1):
            stamp(r(i, j), r(i, j + 1), gw)
    for j in range(n):
        for i in range(m - 1):
            stamp(c(i, j), c(i + 1, j), gw)
    gc = 1e6 / r_contact
    for i in range(m):
        rows_.append(r(i, 0)); cols_.append(r(i, 0)); vals.append(gc)
    for j in range(n):
        rows_.append(c(m - 1, j)); cols_.append(c(m - 1, j)); vals.append(gc)
    K = sp.csc_matrix((vals, (rows_, cols_)), shape=(N, N))
    B = np.zeros((N, V.shape[0]))
    for i in range(m):
        B[r(i, 0), :] = gc * V[:, i]
    X = spla.splu(K).solve(B)
    return gc * X[[c(m - 1, j) for j in range(n)], :]  # uA, cols x inputs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chips", type=int, default=100)
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--inputs", type=int, default=680)
    ap.add_argument("--contact-ohm", type=float, default=400.0)
    ap.add_argument("--wire-ohm", type=float, default=0.5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.contact_ohm <= 0 or a.wire_ohm <= 0:
        print("crossbar_scipy.py: the baseline needs contact and wire resistance > 0", file=sys.stderr)
        return 2
    V = inputs(a.inputs, a.rows)
    t0 = time.perf_counter()
    checksum = 0.0
    for k in range(a.chips):
        checksum += float(solve_chip(conductances(k, a.rows, a.cols), V, a.contact_ohm, a.wire_ohm).sum())
    dt = time.perf_counter() - t0
    rate = a.chips / dt
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if a.json:
        print(json.dumps({"rate": rate, "peak_mb": peak, "checksum": checksum}))
    else:
        print("scipy-baseline: %.4g chips/s (%d chips of %dx%d, %d inputs, peak %.0f MB, checksum %.10g)"
              % (rate, a.chips, a.rows, a.cols, a.inputs, peak, checksum))
    return 0


if __name__ == "__main__":
    sys.exit(main())
