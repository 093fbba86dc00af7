#!/usr/bin/python3
"""Where a binarized network loses accuracy to weight errors: an independent NumPy model of the bnn workload's chip.

Reads a trained net from a bnn output folder (model_w1.npy, model_w2.npy, ...: (inputs + 2) x outputs float32,
the hidden weights, then batch norm's running mean and variance rows) and classifies the test set the way
memcarlo's chip does: +-1 weights (the signs), first-layer inputs as bytes 0..255 (or +-1 when binarized at 0.5),
a hidden neuron +1 iff its integer pre-activation reaches the folded threshold ceil(unit * mean), the class of
the largest normalized output (first on ties). The error-free accuracy therefore equals the run's
error_free_accuracy exactly; chips (flip masks from NumPy's generator, not memcarlo's Philox streams) agree with
the run's loss statistically.

For `--chips` chips at bit error rate `--ber` it prints the mean accuracy loss (points, +- standard error over
chips) with errors in every layer, in each layer alone, and in every layer with each chip's thresholds
re-estimated on training images passed through that chip ("recalibrated", measured against the error-free chip
recalibrated the same way, whose accuracy is printed too): what remains then is the part of the loss that a
per-chip offset of the neurons does not explain. The first-layer input and the test rows default to the run's
(its manifest.json), the data to Fashion-MNIST ($MC_FASHION_MNIST, else the Debian package's folder).

  tools/bnn_anatomy.py runs/bnn_fashion_ber/points/000007 --ber 0.04 --chips 20
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"
EPS = float(np.float32(1e-5))  # batch norm's epsilon (host/train/binary.hpp: a float widened to double)


def fail(msg):
    print(f"bnn_anatomy.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def idx(folder, stem):
    """An IDX file of unsigned bytes (magic 0x0000 08 nd), gzipped or not."""
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            try:
                raw = (gzip.open if name.endswith(".gz") else open)(path, "rb").read()
            except OSError as e:
                fail(f"{path}: {e}")
            nd = raw[3] if len(raw) >= 4 else 0
            if len(raw) < 4 + 4 * nd or raw[:3] != b"\0\0\x08" or nd < 1:
                fail(f"{path}: not an IDX file of unsigned bytes")
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
            if len(raw) - 4 - 4 * nd != int(np.prod(dims)):
                fail(f"{path}: {len(raw) - 4 - 4 * nd} data bytes for dimensions {dims}")
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)
    fail(f"{os.path.join(folder, stem)}[.gz] not found" +
         (" (install the Debian package dataset-fashion-mnist)" if folder == FASHION else ""))


def load_net(folder):
    layers = []
    while os.path.exists(os.path.join(folder, f"model_w{len(layers) + 1}.npy")):
        path = os.path.join(folder, f"model_w{len(layers) + 1}.npy")
        try:
            m = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            fail(f"{path}: not a NumPy array file ({e})")
        if m.ndim != 2 or m.shape[0] < 3 or m.dtype.kind != "f":
            fail(f"{path}: expected (inputs + 2) x outputs floats, found shape {m.shape} of {m.dtype}")
        ni = m.shape[0] - 2
        if layers and layers[-1][0].shape[1] != ni:
            fail(f"{path}: {ni} inputs after a layer of {layers[-1][0].shape[1]} outputs")
        if not np.all(np.isfinite(m)) or np.any(m[ni + 1] < 0):
            fail(f"{path}: a weight or batch-norm entry is not finite, or a variance (last row) is negative")
        layers.append((np.where(m[:ni] >= 0, 1.0, -1.0).astype(np.float32), m[ni].astype(np.float64), m[ni + 1].astype(np.float64)))
    if not layers:
        fail(f"{folder}: no model_w1.npy (a bnn output folder, or a sweep point's folder, holds the trained net)")
    return layers


def inputs(images, binary):
    x = images.reshape(len(images), -1)
    return np.where(x >= 128, 1.0, -1.0).astype(np.float32) if binary else x.astype(np.float32)


def forward(net, x, unit0, masks=None, means=None):
    """Decisions; masks: per layer +-1 factors or None; means: per layer thresholds' means (else the net's)."""
    a = x
    for l, (w, mu, var) in enumerate(net):
        if masks is not None and masks[l] is not None:
            w = w * masks[l]
        z = (a @ w).astype(np.float64)  # exact: integer sums far below 2^24
        unit = unit0 if l == 0 else 1.0
        m = mu if means is None else means[l]
        if l + 1 < len(net):
            a = np.where(z >= np.ceil(unit * m), 1.0, -1.0).astype(np.float32)
        else:
            return np.argmax((z - unit * m) / (unit * np.sqrt(var + EPS)), axis=1)


def recalibrated(net, x, unit0, masks):
    """Each layer's mean over `x` with the chip's weights, the earlier layers thresholded at theirs."""
    a, means = x, []
    for l, (w, mu, var) in enumerate(net):
        if masks[l] is not None:
            w = w * masks[l]
        z = (a @ w).astype(np.float64)
        unit = unit0 if l == 0 else 1.0
        means.append(z.mean(axis=0) / unit)
        if l + 1 < len(net):
            a = np.where(z >= np.ceil(z.mean(axis=0)), 1.0, -1.0).astype(np.float32)
    return means


def run_keys(folder):
    """The run's bnn keys from its manifest.json, if the folder has one."""
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            scenario = json.load(f).get("scenario", {})
        return {k: v for k, v in scenario.items() if k.startswith("bnn.")}
    except (OSError, ValueError, AttributeError):
        return {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="folder with model_w1.npy, ... (a bnn run's output folder or sweep point)")
    ap.add_argument("--data", help="folder of IDX files (default: the run's bnn.data when it is a folder, else Fashion-MNIST)")
    ap.add_argument("--inputs", choices=["real", "binary"], help="first-layer input (default: the run's bnn.inputs, else real)")
    ap.add_argument("--ber", type=float, default=0.04)
    ap.add_argument("--chips", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--test-rows", type=int, help="first test images used (default: the run's bnn.test_rows; 0: all)")
    ap.add_argument("--calibrate-rows", type=int, default=10000, help="training images for the recalibrated thresholds")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    keys = run_keys(a.model)
    if a.inputs is None:
        a.inputs = keys.get("bnn.inputs", "real")
    if a.test_rows is None:
        a.test_rows = int(keys.get("bnn.test_rows", 0))
    if a.data is None:
        data = keys.get("bnn.data", "fashion_mnist")
        a.data = data if data != "fashion_mnist" and os.path.isdir(data) else os.environ.get("MC_FASHION_MNIST", FASHION)
    if not 0 <= a.ber <= 0.5:
        fail(f"--ber {a.ber}: expected 0 to 0.5")
    if a.chips < 1 or a.calibrate_rows < 1 or a.test_rows < 0:
        fail("--chips and --calibrate-rows: expected >= 1; --test-rows: expected >= 0")
    net = load_net(a.model)
    binary = a.inputs == "binary"
    xt, yt = idx(a.data, "t10k-images-idx3-ubyte"), idx(a.data, "t10k-labels-idx1-ubyte")
    xc = idx(a.data, "train-images-idx3-ubyte")[:a.calibrate_rows]
    if a.test_rows:
        xt, yt = xt[:a.test_rows], yt[:a.test_rows]
    if xt.reshape(len(xt), -1).shape[1] != net[0][0].shape[0]:
        fail(f"{a.data}: images of {xt.reshape(len(xt), -1).shape[1]} pixels for a first layer of {net[0][0].shape[0]} inputs")
    if net[-1][0].shape[1] <= int(yt.max()):
        fail(f"{a.model}: {net[-1][0].shape[1]} outputs for labels up to {int(yt.max())}")
    unit0 = 1.0 if binary else 255.0  # the chip's first-layer sums are 255 x the pixel sums
    xt, xc = inputs(xt, binary), inputs(xc, binary)
    clean = float(np.mean(forward(net, xt, unit0) == yt))
    L = len(net)
    clean_recal = float(np.mean(forward(net, xt, unit0, None, recalibrated(net, xc, unit0, [None] * L)) == yt))
    cases = {"all layers": list(range(L)), **{f"layer {l + 1} only": [l] for l in range(L)}}
    loss = {k: [] for k in list(cases) + ["all layers, recalibrated"]}
    rng = np.random.default_rng(a.seed)
    for _ in range(a.chips):
        masks = [np.where(rng.random(w.shape) < a.ber, -1.0, 1.0).astype(np.float32) for w, _, _ in net]
        for name, which in cases.items():
            m = [masks[l] if l in which else None for l in range(L)]
            loss[name].append(100 * (clean - np.mean(forward(net, xt, unit0, m) == yt)))
        loss["all layers, recalibrated"].append(100 * (clean_recal - np.mean(forward(net, xt, unit0, masks, recalibrated(net, xc, unit0, masks)) == yt)))
    out = {"error_free_accuracy": clean, "error_free_recalibrated_accuracy": clean_recal, "ber": a.ber, "chips": a.chips,
           "loss_points": {k: float(np.mean(v)) for k, v in loss.items()},
           "loss_points_se": {k: float(np.std(v, ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0 for k, v in loss.items()}}
    if a.json:
        print(json.dumps(out))
        return
    print(f"{a.model}: {'-'.join(str(w.shape[0]) for w, _, _ in net)}-{net[-1][0].shape[1]} ({a.inputs} inputs), error-free accuracy "
          f"{100 * clean:.2f} % on {len(yt)} test images ({100 * clean_recal:.2f} % with thresholds recalibrated on {len(xc)} training images)")
    print(f"accuracy loss at BER {a.ber:g}, {a.chips} chips (points, +- SE over chips):")
    for k in loss:
        print(f"  {k:26s} {out['loss_points'][k]:7.3f} +- {out['loss_points_se'][k]:.3f}")


if __name__ == "__main__":
    main()
