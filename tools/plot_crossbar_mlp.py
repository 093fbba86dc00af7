#!/usr/bin/python3
"""Plot a crossbar_mlp run of memcarlo (Merrikh-Bayat et al., Nat. Commun. 2018).

OUTDIR of one point: OUTDIR/chips.csv (mode, test_accuracy, ...), OUTDIR/modes.csv and
OUTDIR/conductance_map.csv -> OUTDIR/crossbar_mlp.png: test-accuracy distributions per mode with the paper's
values marked, and the conductance maps of chip 0 (target vs programmed, stuck devices marked).
OUTDIR of a sweep (e.g. configs/scenarios/crossbar_line_resistance.yaml or crossbar_ablation.yaml):
OUTDIR/crossbar_mlp_sweep.png from OUTDIR/results.csv alone, mean test accuracy (+-1 SE over chips) per mode
against contact and wire resistance, or per sweep point.
Needs only csv, json, numpy and matplotlib.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, point_or_sweep_main, read_csv, save_figure  # noqa: E402

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
        # Tiles of a layer sit at their place in the layer's layout (row blocks, output blocks side by side).
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
    """A sweep from its results.csv alone (one row per point, every mode's accuracies with their SE): mean test
    accuracy against contact resistance (one line per wire resistance and mode) when the sweep varies line
    resistance only, else one group of bars per point (e.g. crossbar_ablation.yaml)."""
    import matplotlib.pyplot as plt
    res_path = os.path.join(outdir, "results.csv")
    if not os.path.isfile(res_path):
        return False
    res = read_csv(res_path, ["point", "status", "r_contact_ohm", "r_wire_ohm", "software_test_accuracy"])
    ok = res["status"] == "ok"
    if not np.any(ok):
        fail("%s: no point finished" % res_path)
    modes = ["software"] + [m for m in MODES if m + "_test_accuracy" in res]
    with open(res_path) as f:
        header = f.readline().strip().split(",")
    swept = header[header.index("status") + 1:header.index("seed")] if "seed" in header else []
    line_only = swept and all(c in ("crossbar_mlp.r_contact", "crossbar_mlp.r_wire") for c in swept)

    def acc(m, sel):
        if m == "software":
            return 100 * res["software_test_accuracy"][sel].astype(float), np.zeros(int(np.sum(sel)))
        return 100 * res[m + "_test_accuracy"][sel].astype(float), 100 * res[m + "_test_accuracy_se"][sel].astype(float)

    if line_only:
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        wires = sorted(set(res["r_wire_ohm"][ok].astype(float)))
        for w_i, wire in enumerate(wires):
            sel = ok & (res["r_wire_ohm"].astype(float) == wire)
            order = np.argsort(res["r_contact_ohm"][sel].astype(float))
            x = res["r_contact_ohm"][sel].astype(float)[order]
            for i, m in enumerate(modes):
                y, se = acc(m, sel)
                ax.errorbar(x, y[order], yerr=se[order], fmt="o-" if w_i == len(wires) - 1 else "s--", color="C%d" % i,
                            capsize=2, label="%s, wire %g ohm" % (m, wire))
        for i, m in enumerate(modes):
            ax.axhline(100 * PAPER[m], color="C%d" % i, ls=":", lw=0.8)
        ax.set_xlabel("contact resistance per line end (ohm)")
        ax.set_ylabel("mean test accuracy over chips (%, +-1 SE)")
        ax.set_title("accuracy vs line resistance (dotted: paper)")
    else:
        fig, ax = plt.subplots(figsize=(max(6.5, 1.4 * int(np.sum(ok))), 4.8))
        idx = np.where(ok)[0]
        labels = []
        for k in idx:
            parts = []
            for c in swept:  # the keys this point sets (a point of a list sweep leaves the others empty)
                v = res[c][k]
                if isinstance(v, str) and v != "":
                    parts.append("%s=%s" % (c.split(".")[-1], v))
                elif not isinstance(v, str) and not np.isnan(v):
                    parts.append("%s=%g" % (c.split(".")[-1], v))
            labels.append("\n".join(parts) if parts else "point %d" % int(res["point"][k]))
        width = 0.8 / len(modes)
        for i, m in enumerate(modes):
            y, se = acc(m, ok)
            ax.bar(np.arange(len(idx)) + (i - (len(modes) - 1) / 2) * width, y, width, yerr=se, capsize=2, color="C%d" % i, label=m)
        ax.set_xticks(np.arange(len(idx)))
        ax.set_xticklabels(labels, fontsize=6)
        lo = min(np.nanmin(acc(m, ok)[0]) for m in modes)
        ax.set_ylim(max(0, lo - 5), 100)
        ax.set_ylabel("mean test accuracy over chips (%, +-1 SE)")
        ax.set_title("accuracy per sweep point")
    ax.legend(fontsize=6)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    return True


def main(argv=None):
    point_or_sweep_main("crossbar_mlp", "modes.csv", plot_point, plot_sweep, 120, argv)


if __name__ == "__main__":
    main()
