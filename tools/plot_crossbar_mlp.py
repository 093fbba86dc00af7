#!/usr/bin/python3
"""Plot a crossbar_mlp run of memcarlo (Merrikh-Bayat et al., Nat. Commun. 2018).

OUTDIR of one point: OUTDIR/chips.csv (mode, test_accuracy, ...), OUTDIR/modes.csv and
OUTDIR/conductance_map.csv -> OUTDIR/crossbar_mlp.png: test-accuracy distributions per mode with the paper's
values marked, and the conductance maps of chip 0 (target vs programmed, stuck devices marked).
OUTDIR of a sweep (sub-folders of points, e.g. configs/scenarios/crossbar_line_resistance.yaml): also
OUTDIR/crossbar_mlp_sweep.png, median test accuracy per mode against the swept contact and wire resistance.
Needs only csv, json, numpy and matplotlib.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402

# Test accuracy of the paper [Merrikh-Bayat 2018]: software 527/640, ex-situ 506/640, hardware-aware 521/640.
PAPER = {"software": 0.8234375, "ex_situ": 0.790625, "hardware_aware": 0.8140625, "in_situ": 0.70}
MODES = ["ex_situ", "hardware_aware", "in_situ"]


def plot_point(outdir, path, dpi):
    import matplotlib.pyplot as plt
    modes = read_csv(os.path.join(outdir, "modes.csv"), ["mode", "test_accuracy_median"])
    chips_path = os.path.join(outdir, "chips.csv")
    have_chips = os.path.isfile(chips_path)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    ax = axes[0]
    sw = float(modes["test_accuracy_median"][list(modes["mode"]).index("software")])
    ax.axvline(100 * sw, color="k", label="software (memcarlo) %.1f %%" % (100 * sw))
    ax.axvline(100 * PAPER["software"], color="k", ls=":", label="software (paper) 82.3 %")
    if have_chips:
        chips = read_csv(chips_path, ["mode", "test_accuracy"])
        for i, m in enumerate(MODES):
            sel = chips["mode"] == m
            if not np.any(sel):
                continue
            acc = 100 * chips["test_accuracy"][sel].astype(float)
            ax.hist(acc, bins=np.arange(40, 101, 1.0), alpha=0.5, color="C%d" % i, label="%s (%d chips)" % (m, sel.sum()))
            ax.axvline(100 * PAPER[m], color="C%d" % i, ls=":", label="%s (paper) %.1f %%" % (m, 100 * PAPER[m]))
    ax.set_xlabel("test accuracy (%)")
    ax.set_ylabel("chips")
    ax.legend(fontsize=7)
    ax.set_title("test accuracy per mode")
    map_path = os.path.join(outdir, "conductance_map.csv")
    if os.path.isfile(map_path):
        cmap = read_csv(map_path, ["layer", "row", "col", "target_uS", "programmed_uS", "stuck"])
        layer0 = cmap["layer"] == 0
        rows, cols = int(cmap["row"][layer0].max()) + 1, int(cmap["col"][layer0].max()) + 1
        for ax, key, title in ((axes[1], "target_uS", "target (layer 1, chip 0)"), (axes[2], "programmed_uS", "programmed")):
            img = np.full((rows, cols), np.nan)
            img[cmap["row"][layer0].astype(int), cmap["col"][layer0].astype(int)] = cmap[key][layer0]
            im = ax.imshow(img, cmap="viridis", vmin=0, vmax=np.nanmax(cmap["programmed_uS"]))
            st = layer0 & (cmap["stuck"] == 1)
            ax.scatter(cmap["col"][st], cmap["row"][st], marker="x", color="r", label="stuck")
            ax.set_title(title)
            ax.set_xlabel("column (G+, G- pairs)")
            ax.set_ylabel("row (inputs, bias last)")
            fig.colorbar(im, ax=ax, label="uS")
        axes[2].legend(fontsize=7, loc="lower right")
    else:
        axes[1].axis("off")
        axes[2].axis("off")
    fig.tight_layout()
    save_figure(fig, path, dpi)


def plot_sweep(outdir, path, dpi):
    import matplotlib.pyplot as plt
    points = []
    root = os.path.join(outdir, "points") if os.path.isdir(os.path.join(outdir, "points")) else outdir
    for d in sorted(os.listdir(root)):
        sub = os.path.join(root, d)
        if os.path.isfile(os.path.join(sub, "modes.csv")) and os.path.isfile(os.path.join(sub, "results.csv")):
            res = read_csv(os.path.join(sub, "results.csv"), ["r_contact_ohm", "r_wire_ohm"])
            modes = read_csv(os.path.join(sub, "modes.csv"), ["mode", "test_accuracy_median"])
            points.append((float(res["r_contact_ohm"][0]), float(res["r_wire_ohm"][0]), modes))
    if not points:
        return False
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for wire in sorted(set(p[1] for p in points)):
        sel = sorted([p for p in points if p[1] == wire], key=lambda p: p[0])
        for i, m in enumerate(["software"] + MODES):
            xs, ys = [], []
            for rc, _, modes in sel:
                if m in list(modes["mode"]):
                    xs.append(rc)
                    ys.append(100 * float(modes["test_accuracy_median"][list(modes["mode"]).index(m)]))
            if xs:
                ax.plot(xs, ys, "o-", color="C%d" % i, alpha=0.4 + 0.6 * (wire == max(p[1] for p in points)),
                        label="%s, wire %g ohm" % (m, wire))
    ax.set_xlabel("contact resistance per line end (ohm)")
    ax.set_ylabel("median test accuracy (%)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot memcarlo's crossbar_mlp output (one point or a sweep).")
    ap.add_argument("outdir", help="output folder of a crossbar_mlp run or sweep")
    ap.add_argument("--dpi", type=int, default=120, help="resolution (default 120)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.outdir):
        fail("no such folder %s" % args.outdir)
    if os.path.isfile(os.path.join(args.outdir, "modes.csv")):
        plot_point(args.outdir, os.path.join(args.outdir, "crossbar_mlp.png"), args.dpi)
    elif not plot_sweep(args.outdir, os.path.join(args.outdir, "crossbar_mlp_sweep.png"), args.dpi):
        fail("%s holds neither a crossbar_mlp point (modes.csv) nor a sweep of them" % args.outdir)


if __name__ == "__main__":
    main()
