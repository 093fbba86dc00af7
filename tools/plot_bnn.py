#!/usr/bin/python3
"""Plot bnn runs of memcarlo: accuracy vs weight bit error rate, vs programming energy and vs aging.

The argument is an output folder:
  a single run (chips.csv): the test accuracy of every chip (histogram) beside the error-free chip, and the
      training curve when the net was trained in that run (training.csv);
  a sweep (results.csv with bnn.* columns): mean test accuracy over chips with a 95 % confidence band
      (1.96 sd / sqrt(chips)) vs the measured cell bit error rate, one line per value of another swept key
      (e.g. bnn.p_train: standard vs error-aware training); when the sweep varies the programming (device keys or
      bnn.aging_cycles) also accuracy vs programming energy per bit and vs cycles endured.
Writes bnn.png into the folder (or --out).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402


def single(fig, folder):
    c = read_csv(os.path.join(folder, "chips.csv"), ["chip", "accuracy", "cell_ber"])
    r = read_csv(os.path.join(folder, "results.csv"), ["error_free_accuracy", "accuracy_mean", "cell_ber_measured"])
    has_training = os.path.exists(os.path.join(folder, "training.csv"))
    ax = fig.add_subplot(1, 2 if has_training else 1, 1)
    acc = 100 * np.asarray(c["accuracy"], float)
    ax.hist(acc, bins=max(5, min(30, len(acc))), color="C0", alpha=0.8, label="chips (%d)" % len(acc))
    ax.axvline(100 * r["error_free_accuracy"][0], color="k", ls="--", label="error-free chip")
    ax.axvline(100 * r["accuracy_mean"][0], color="C3", label="mean over chips")
    ax.set_xlabel("test accuracy (%)")
    ax.set_ylabel("chips")
    ax.set_title("%s: cell BER %.3g" % (os.path.basename(os.path.normpath(folder)), r["cell_ber_measured"][0]))
    ax.legend(fontsize=8)
    if has_training:
        t = read_csv(os.path.join(folder, "training.csv"), ["epoch", "loss", "train_accuracy"])
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(t["epoch"], 100 * np.asarray(t["train_accuracy"], float), "o-", label="training accuracy (%)")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("training accuracy (%)")
        ax3 = ax2.twinx()
        ax3.plot(t["epoch"], t["loss"], "s:", color="C1", label="loss")
        ax3.set_ylabel("cross-entropy loss")
        ax2.set_title("training")


def band(ax, x, r, sel, color, label, logx=True):
    m = np.asarray(r["accuracy_mean"], float)[sel] * 100
    sd = np.asarray(r["accuracy_sd"], float)[sel] * 100
    n = np.asarray(r["chips"], float)[sel]
    order = np.argsort(x)
    x, m, half = x[order], m[order], (1.96 * sd / np.sqrt(n))[order]
    (ax.semilogx if logx else ax.plot)(x, m, "o-", color=color, label=label)
    ax.fill_between(x, m - half, m + half, color=color, alpha=0.2)


def sweep(fig, folder):
    with open(os.path.join(folder, "results.csv")) as f:
        header = f.readline().strip().split(",")
    swept = [h for h in header if h.startswith("bnn.") or h.startswith("device.")]
    cols = ["accuracy_mean", "accuracy_sd", "chips", "cell_ber_measured", "error_free_accuracy", "program_energy_per_bit_pJ",
            "aging_cycles", "p_train"]
    r = read_csv(os.path.join(folder, "results.csv"), cols + swept)
    group_key = "bnn.p_train" if "bnn.p_train" in swept else next((k for k in swept if k not in ("bnn.ber",)), None)
    groups = [None] if group_key is None else list(dict.fromkeys(r[group_key]))
    programming = any(k.startswith("device.") or k == "bnn.aging_cycles" for k in swept)
    panels = 3 if programming else 1
    fig.set_size_inches(5.5 * panels + 1, 4.2)
    axes = [fig.add_subplot(1, panels, k + 1) for k in range(panels)]
    name = os.path.basename(os.path.normpath(folder))
    ber = np.asarray(r["cell_ber_measured"], float)
    floor = np.nanmin(ber[ber > 0]) / 3 if np.any(ber > 0) else 1e-6
    for gi, g in enumerate(groups):
        sel = np.ones(len(ber), bool) if g is None else np.array([v == g for v in r[group_key]])
        tag = "" if g is None else "%s = %s" % (group_key.split(".")[-1], g)
        color = "C%d" % gi
        # BER 0 drawn at the left edge (a third of the smallest nonzero rate).
        band(axes[0], np.where(ber[sel] > 0, ber[sel], floor), r, sel, color, tag or "mean over chips")
        axes[0].axhline(100 * np.asarray(r["error_free_accuracy"], float)[sel][0], color=color, ls="--", lw=0.8)
        if programming:
            # One programming condition per distinct set of swept device values (a zip of device keys).
            dev_keys = [k for k in swept if k.startswith("device.")]
            conds = [tuple(r[k][i] for k in dev_keys) for i in range(len(ber))]
            e = np.asarray(r["program_energy_per_bit_pJ"], float)
            age = np.asarray(r["aging_cycles"], float)
            for ci, cv in enumerate(dict.fromkeys(conds)):
                s2 = sel & np.array([c == cv for c in conds])
                if not s2.any():
                    continue
                ev = e[s2][0]
                ctag = "%s, condition %d (%.3g pJ/bit)" % (tag, ci + 1, ev) if dev_keys else "%s %.3g pJ/bit" % (tag, ev)
                band(axes[2], np.where(age[s2] > 0, age[s2], 1.0), r, s2, "C%d" % (gi * 4 + ci), ctag)
                fresh = s2 & (age == np.min(age[s2]))
                m = 100 * np.asarray(r["accuracy_mean"], float)[fresh]
                half = 196 * np.asarray(r["accuracy_sd"], float)[fresh] / np.sqrt(np.asarray(r["chips"], float)[fresh])
                axes[1].errorbar(e[fresh], m, yerr=half, fmt="os^dv"[ci % 5], color=color, capsize=3,
                                 label=ctag)
    axes[0].set_xlabel("cell bit error rate (measured; 0 at the left edge)")
    axes[0].set_ylabel("test accuracy (%), 95 % band over chips")
    axes[0].set_title("%s: accuracy vs BER" % name)
    axes[0].legend(fontsize=8)
    if programming:
        axes[1].set_xscale("log")
        axes[1].set_xlabel("programming energy per bit (pJ)")
        axes[1].set_title("accuracy vs programming energy (least aged)")
        axes[1].legend(fontsize=8)
        axes[2].set_xlabel("cycles endured before programming (0 at 1)")
        axes[2].set_title("accuracy vs endurance")
        axes[2].legend(fontsize=7)
    for a in axes:
        a.grid(alpha=0.3)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot a bnn output folder (single run or sweep).")
    ap.add_argument("folder", help="output folder of a bnn run or sweep")
    ap.add_argument("--out", help="PNG to write (default FOLDER/bnn.png)")
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args(argv)
    if not os.path.isdir(args.folder):
        fail("no such folder %s" % args.folder)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    is_single = os.path.exists(os.path.join(args.folder, "chips.csv"))
    fig = plt.figure(figsize=(11 if is_single else 16, 4.2))
    if is_single:
        single(fig, args.folder)
    else:
        sweep(fig, args.folder)
    fig.tight_layout()
    save_figure(fig, args.out or os.path.join(args.folder, "bnn.png"), args.dpi)


if __name__ == "__main__":
    main()
