#!/usr/bin/python3
"""Plot bayes_machine runs of memcarlo: accuracy vs cycles, vs stored-bit error rate, vs SEU rate.

Each argument is an output folder; what is plotted depends on what it holds:
  a single run (accuracy_vs_cycles.csv): accuracy and agreement with the exact naive Bayes vs cycles T,
      with the exact naive-Bayes accuracy as a dashed line;
  a sweep over bayes_machine.storage.ber or bayes_machine.storage.aging_cycles (results.csv): accuracy vs
      the measured stored-bit error rate (or aging cycles), with the exact naive-Bayes line;
  a sweep over bayes_machine.seu.rate: accuracy of the stochastic machine and of the conventional fixed-point
      naive Bayes vs the upset rate, with the exact naive-Bayes line.
A second swept key (e.g. bayes_machine.seu.targets or bayes_machine.storage.reread) gives one line per value.
Writes one PNG with a panel per folder (default bayes_machine.png in the first folder, or --out).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402


def panel_cycles(ax, folder):
    c = read_csv(os.path.join(folder, "accuracy_vs_cycles.csv"),
                 ["cycles", "accuracy", "agreement_with_exact", "ties", "exact_accuracy"])
    t = np.array(c["cycles"], dtype=float)
    ax.semilogx(t, c["accuracy"], "o-", label="machine accuracy")
    ax.semilogx(t, c["agreement_with_exact"], "s-", label="agreement with exact NB")
    ax.semilogx(t, c["ties"], ":", color="grey", label="ties")
    ax.axhline(c["exact_accuracy"][0], ls="--", color="k", label="exact naive Bayes (float64)")
    ax.set_xlabel("cycles T")
    ax.set_ylabel("fraction of inferences")
    ax.set_title("%s: accuracy vs cycles" % os.path.basename(os.path.normpath(folder)))
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=8)


X_KEYS = ("seu.rate", "aging_cycles", "storage.ber")


def panel_sweep(ax, folder):
    with open(os.path.join(folder, "results.csv")) as f:
        header = f.readline().strip().split(",")
    swept = [h for h in header if h.startswith("bayes_machine.")]
    xs = [h for h in swept if h.endswith(X_KEYS)]
    if not xs:
        fail("%s/results.csv: no swept bayes_machine.seu.rate, storage.ber or storage.aging_cycles column" % folder)
    key = xs[0]
    others = [h for h in swept if h != key]
    group_key = others[0] if others else None
    cols = [key, "accuracy", "exact_accuracy", "agreement_with_exact", "fixed_point_accuracy",
            "stored_bit_error_rate"] + ([group_key] if group_key else [])
    r = read_csv(os.path.join(folder, "results.csv"), cols)
    x_all = np.array(r[key], dtype=float)
    groups = [None] if group_key is None else list(dict.fromkeys(r[group_key]))
    name = os.path.basename(os.path.normpath(folder))
    for gi, g in enumerate(groups):
        sel = np.ones(len(x_all), bool) if g is None else np.array([v == g for v in r[group_key]])
        tag = "" if g is None else " (%s = %s)" % (group_key.split(".")[-1], g)
        color = "C%d" % gi
        acc = np.array(r["accuracy"], dtype=float)[sel]
        x = x_all[sel]
        if key.endswith("seu.rate"):
            m = x > 0
            ax.semilogx(x[m], acc[m], "o-", color=color, label="stochastic machine" + tag)
            fx = np.array(r["fixed_point_accuracy"], dtype=float)[sel]
            ax.semilogx(x[m], fx[m], "s:", color=color, label="fixed-point naive Bayes" + tag)
        elif key.endswith("aging_cycles"):
            m = x > 0
            ax.semilogx(x[m], acc[m], "o-", color=color, label="machine accuracy" + tag)
            ber = np.array(r["stored_bit_error_rate"], dtype=float)[sel]
            ax.semilogx(x[m], ber[m], "^:", color=color, label="stored-bit error rate (measured)" + tag)
        else:
            ber = np.array(r["stored_bit_error_rate"], dtype=float)[sel]
            m = ber > 0
            ax.semilogx(ber[m], acc[m], "o-", color=color, label="machine accuracy" + tag)
            agree = np.array(r["agreement_with_exact"], dtype=float)[sel]
            ax.semilogx(ber[m], agree[m], "s:", color=color, label="agreement with exact NB" + tag)
    if key.endswith("seu.rate"):
        ax.set_xlabel("single-event upsets per bit per cycle")
        ax.set_title("%s: accuracy vs SEU rate" % name)
    elif key.endswith("aging_cycles"):
        ax.set_xlabel("aging before programming (SET/RESET cycles)")
        ax.set_title("%s: accuracy vs device aging" % name)
    else:
        ax.set_xlabel("stored-bit error rate (measured)")
        ax.set_title("%s: accuracy vs BER" % name)
    ax.axhline(r["exact_accuracy"][0], ls="--", color="k", label="exact naive Bayes (float64)")
    ax.set_ylabel("fraction")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=7)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot bayes_machine output folders (single runs and sweeps).")
    ap.add_argument("folders", nargs="+", help="output folders of bayes_machine runs or sweeps")
    ap.add_argument("--out", help="PNG to write (default FIRST/bayes_machine.png)")
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(args.folders)
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 4.2), squeeze=False)
    for ax, folder in zip(axes[0], args.folders):
        if not os.path.isdir(folder):
            fail("no such folder %s" % folder)
        if os.path.exists(os.path.join(folder, "accuracy_vs_cycles.csv")):
            panel_cycles(ax, folder)
        else:
            panel_sweep(ax, folder)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, args.out or os.path.join(args.folders[0], "bayes_machine.png"), args.dpi)


if __name__ == "__main__":
    main()
