#!/usr/bin/python3
"""Plot a bayes_nn run of memcarlo (Bayesian networks sampling with memristor noise; Bonnet et al. 2023).

OUTDIR of one point -> OUTDIR/bayes_nn.png: aleatoric and epistemic uncertainty histograms of seen vs unseen test
inputs (as the paper's Fig. 5) for the first sampled mode, ROC curves (U_a for misclassification, U_e for the
unseen class) of every mode, AUROC and accuracy against the number of samples M, and the trained (mu, sigma) of
every weight over the programmable pairs. OUTDIR of a sweep (sub-folders of points, e.g.
configs/scenarios/bayes_nn_samples_sweep.yaml): one PNG per point, and OUTDIR/bayes_nn_sweep.png with the AUROCs
against M of every point. Needs only csv, numpy and matplotlib.
"""
import argparse
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402

# Bonnet et al. 2023, ECG beats, M = 50 (epistemic 0.96 at M = 10): shown for reference, different data.
PAPER = {"accuracy": 0.75, "auroc_aleatoric": 0.91, "auroc_epistemic": 0.99}


def plot_point(outdir, path, dpi):
    import matplotlib.pyplot as plt
    met = read_csv(os.path.join(outdir, "metrics.csv"), ["mode", "M", "accuracy", "auroc_aleatoric", "auroc_epistemic"])
    smp = read_csv(os.path.join(outdir, "samples.csv"), ["mode", "unseen", "correct", "u_aleatoric", "u_epistemic"])
    roc = read_csv(os.path.join(outdir, "roc.csv"), ["mode", "kind", "fpr", "tpr"])
    wts = read_csv(os.path.join(outdir, "weights.csv"), ["mu", "sigma", "pair_mu", "pair_sigma"])
    prs = read_csv(os.path.join(outdir, "pairs.csv"), ["mu", "sigma"])
    modes = list(dict.fromkeys(met["mode"]))
    sampled = [m for m in modes if m != "conventional"]
    first = "program" if "program" in sampled else (sampled[0] if sampled else modes[0])
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    sel = smp["mode"] == first
    seen, unseen = sel & (smp["unseen"] == "false"), sel & (smp["unseen"] == "true")
    for ax, col, name in ((axes[0, 0], "u_aleatoric", "aleatoric U_a"), (axes[0, 1], "u_epistemic", "epistemic U_e")):
        v = smp[col][sel]
        bins = np.linspace(0, max(1e-6, np.nanmax(v)) * 1.02, 40)
        if col == "u_aleatoric":
            ax.hist(smp[col][seen & (smp["correct"] == "true")], bins, alpha=0.6, density=True, label="seen, correct")
            ax.hist(smp[col][seen & (smp["correct"] == "false")], bins, alpha=0.6, density=True, label="seen, wrong")
        else:
            ax.hist(smp[col][seen], bins, alpha=0.6, density=True, label="seen")
        if np.any(unseen):
            ax.hist(smp[col][unseen], bins, alpha=0.6, density=True, label="unseen class")
        ax.set_xlabel("%s (nats), mode %s" % (name, first))
        ax.set_ylabel("density")
        ax.legend()
    ax = axes[0, 2]
    for m in modes:
        for kind, ls in (("aleatoric", "--"), ("epistemic", "-")):
            s = (roc["mode"] == m) & (roc["kind"] == kind)
            if np.any(s):
                ax.plot(roc["fpr"][s], roc["tpr"][s], ls=ls, label="%s %s" % (m, kind))
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC: U_a for errors (--), U_e for the unseen class (-)")
    ax.legend(fontsize=7)
    for ax, col, name in ((axes[1, 0], "auroc_epistemic", "AUROC of U_e (unseen class)"),
                          (axes[1, 1], "auroc_aleatoric", "AUROC of U_a (errors)")):
        for m in modes:
            s = met["mode"] == m
            ax.plot(met["M"][s], met[col][s], "o-", label=m)
        ax.axhline(PAPER[col], color="k", ls=":", label="paper (ECG) %.2f" % PAPER[col])
        ax.set_xscale("log")
        ax.set_xlabel("samples M")
        ax.set_ylabel(name)
        ax.legend(fontsize=7)
    ax2 = axes[1, 1].twinx()
    for m in modes:
        s = met["mode"] == m
        ax2.plot(met["M"][s], 100 * met["accuracy"][s], "x:", alpha=0.5)
    ax2.set_ylabel("accuracy (%, x dotted)")
    ax = axes[1, 2]
    ax.scatter(prs["mu"], prs["sigma"], s=30, marker="s", color="0.6", label="programmable pairs")
    ax.scatter(wts["mu"], wts["sigma"], s=6, alpha=0.6, label="trained (mu, sigma)")
    ax.set_xlabel("weight mean mu")
    ax.set_ylabel("weight sigma")
    ax.set_title("trained weights over the pairs the devices give")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    plt.close(fig)


def plot_sweep(outdir, path, dpi):
    import matplotlib.pyplot as plt
    root = os.path.join(outdir, "points") if os.path.isdir(os.path.join(outdir, "points")) else outdir
    points = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "metrics.csv")))
    if not points:
        return False
    outdir = root
    # A curve is named by its point's swept values (results.csv beside points/), else by the point's folder.
    names = {}
    results = os.path.join(os.path.dirname(os.path.normpath(root)), "results.csv")
    if os.path.basename(os.path.normpath(root)) == "points" and os.path.isfile(results):
        with open(results, newline="") as f:
            rows = list(csv.DictReader(f))
        swept = [c for c in (rows[0].keys() if rows else []) if "." in c]
        for r in rows:
            names["%06d" % int(r["point"])] = ", ".join("%s=%s" % (c.split(".")[-1], r[c]) for c in swept) or r["point"]
    fig, ax = plt.subplots(1, 1, figsize=(8, 5))
    for p in points:
        plot_point(os.path.join(outdir, p), os.path.join(outdir, p, "bayes_nn.png"), dpi)
        met = read_csv(os.path.join(outdir, p, "metrics.csv"), ["mode", "M", "auroc_epistemic"])
        for m in dict.fromkeys(met["mode"]):
            s = met["mode"] == m
            ax.plot(met["M"][s], met["auroc_epistemic"][s], "o-", label="%s %s" % (names.get(p, p), m))
    ax.set_xscale("log")
    ax.set_xlabel("samples M")
    ax.set_ylabel("AUROC of U_e (unseen class)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot memcarlo's bayes_nn output (one point or a sweep).")
    ap.add_argument("outdir", help="output folder of a bayes_nn run or sweep")
    ap.add_argument("--dpi", type=int, default=110, help="resolution (default 110)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.outdir):
        fail("no such folder %s" % args.outdir)
    if os.path.isfile(os.path.join(args.outdir, "metrics.csv")):
        plot_point(args.outdir, os.path.join(args.outdir, "bayes_nn.png"), args.dpi)
    elif not plot_sweep(args.outdir, os.path.join(args.outdir, "bayes_nn_sweep.png"), args.dpi):
        fail("%s holds neither a bayes_nn point (metrics.csv) nor a sweep of them" % args.outdir)


if __name__ == "__main__":
    main()
