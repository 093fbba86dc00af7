#!/usr/bin/python3
"""Plot a bayes_nn run of memcarlo (Bayesian networks sampling with memristor noise; Bonnet et al. 2023).

OUTDIR of one point -> OUTDIR/bayes_nn.png: aleatoric and epistemic uncertainty histograms of seen vs unseen test
inputs (as the paper's Fig. 5) for the first sampled mode, ROC curves (U_a for misclassification, U_e for the
unseen class) of every mode, AUROC and accuracy against the number of samples M, and the trained (mu, sigma) of
every weight over the programmable pairs. OUTDIR of a sweep (sub-folders of points, e.g.
configs/scenarios/bayes_nn_samples_sweep.yaml): one PNG per point, and OUTDIR/bayes_nn_sweep.png with the AUROCs
against M of every point. Needs only csv, numpy and matplotlib.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import point_or_sweep_main, read_csv, save_figure, sweep_point_names  # noqa: E402

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
    names = sweep_point_names(root)  # curves named by their point's swept values
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
    point_or_sweep_main("bayes_nn", "metrics.csv", plot_point, plot_sweep, 110, argv)


if __name__ == "__main__":
    main()
