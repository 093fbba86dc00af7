#!/usr/bin/python3
"""Plot an endurance run of memcarlo: failures, memory window, probit CDFs and bit error rates.

Reads OUTDIR/checkpoints.csv, OUTDIR/cdf.csv, OUTDIR/lifetime_histogram.csv (and OUTDIR/manifest.json for the
title when present) and writes OUTDIR/endurance.png, or the file given with --out. Four panels:
  (a) failed fraction vs cycles (stuck-LRS, stuck-HRS, the analytic Weibull CDF dashed, and the cumulative
      lifetime histogram);
  (b) LRS and HRS medians with p1-p99 bands vs cycles: the memory window;
  (c) probit plot of the LRS and HRS conductance CDFs at every checkpoint, colored by cycle;
  (d) 1T1R and 2T2R bit error rates vs cycles.
Needs only csv, json, numpy and matplotlib.
"""
import argparse
import json
import math
import os
import sys

import numpy as np


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402


def sigma_of_probability(p):
    """Standard-normal quantile (probit) of p in (0, 1), by bisection on erf (no scipy needed)."""
    lo, hi = -10.0, 10.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def positive(x, y):
    """Points with x > 0 and y > 0 and both finite (for log axes)."""
    m = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return x[m], y[m]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot memcarlo's endurance output (checkpoints.csv, cdf.csv, "
                                             "lifetime_histogram.csv) as a four-panel PNG.")
    ap.add_argument("outdir", help="output folder of an endurance run")
    ap.add_argument("--out", help="PNG to write (default OUTDIR/endurance.png)")
    ap.add_argument("--dpi", type=int, default=130, help="resolution (default 130)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.outdir):
        fail("no such folder %s" % args.outdir)

    cp_cols = ["cycle", "lrs_p1_uS", "lrs_p50_uS", "lrs_p99_uS", "hrs_p1_uS", "hrs_p50_uS", "hrs_p99_uS",
               "failed_fraction", "stuck_lrs_fraction", "stuck_hrs_fraction", "weibull_cdf", "ber_1t1r",
               "ber_2t2r"]
    cp = read_csv(os.path.join(args.outdir, "checkpoints.csv"), cp_cols)
    cdf = read_csv(os.path.join(args.outdir, "cdf.csv"), ["cycle", "state", "sigma", "conductance_uS"])
    life = read_csv(os.path.join(args.outdir, "lifetime_histogram.csv"),
                    ["lifetime_lo_cycles", "lifetime_hi_cycles", "devices"])
    title = "memcarlo endurance"
    manifest_path = os.path.join(args.outdir, "manifest.json")
    if os.path.isfile(manifest_path):
        try:
            with open(manifest_path) as f:
                man = json.load(f)
            parts = [str(man[k]) for k in ("scenario_name",) if man.get(k)]
            if man.get("backend"):
                parts.append("backend: %s" % man["backend"])
            if parts:
                title = "memcarlo endurance — " + ", ".join(parts)
        except (OSError, ValueError, AttributeError):
            pass  # a title is a nicety; a broken manifest should not stop the plot

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.lines import Line2D
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    order = np.argsort(cp["cycle"], kind="stable")
    cp = {k: v[order] for k, v in cp.items()}
    cyc = cp["cycle"]

    fig, axes = plt.subplots(2, 2, figsize=(12.5, 9.5))
    (ax_a, ax_b), (ax_c, ax_d) = axes

    # (a) Failed fraction vs cycles.
    for col, label, style in (("failed_fraction", "failed (all)", dict(color="k", marker="o", lw=1.8)),
                              ("stuck_lrs_fraction", "stuck in LRS", dict(color="tab:red", marker="^", lw=1.2)),
                              ("stuck_hrs_fraction", "stuck in HRS", dict(color="tab:blue", marker="v", lw=1.2))):
        x, y = positive(cyc, cp[col])
        if len(x):
            ax_a.plot(x, y, label=label, ms=4, **style)
    x, y = positive(cyc, cp["weibull_cdf"])
    if len(x):
        ax_a.plot(x, y, "--", color="tab:green", lw=1.8, label="Weibull CDF (analytic)")
    if "unformed_fraction" in cp:
        uf = cp["unformed_fraction"][np.isfinite(cp["unformed_fraction"])]
        if len(uf) and uf.max() > 0:
            ax_a.axhline(uf.max(), color="0.5", ls=":", lw=1.2, label="forming failures")
    total = np.nansum(life["devices"])
    life_y = np.array([])
    if total > 0:
        lo_order = np.argsort(life["lifetime_hi_cycles"])
        hi_edges = life["lifetime_hi_cycles"][lo_order]
        cum = np.cumsum(life["devices"][lo_order]) / total
        x, life_y = positive(hi_edges, cum)
        if len(x):
            ax_a.step(x, life_y, where="post", color="tab:purple", lw=1.0, alpha=0.7,
                      label="lifetime histogram (cumulative)")
    ax_a.set_xscale("log")
    ax_a.set_yscale("log")
    # Keep the analytic curve from stretching the axis decades below anything simulated.
    measured = np.concatenate([cp[c][np.isfinite(cp[c]) & (cp[c] > 0)]
                               for c in ("failed_fraction", "stuck_lrs_fraction", "stuck_hrs_fraction")])
    measured = np.concatenate([measured, life_y])
    if len(measured):
        ax_a.set_ylim(bottom=measured.min() / 30.0, top=1.5)
    if len(cyc[cyc > 0]):
        ax_a.set_xlim(cyc[cyc > 0].min() / 1.5, cyc.max() * 1.5)
    ax_a.set_xlabel("cycles")
    ax_a.set_ylabel("fraction of devices")
    ax_a.set_title("(a) device failures")
    ax_a.grid(True, which="major", alpha=0.3)
    ax_a.legend(fontsize=8, loc="upper left")

    # (b) Memory window: medians with p1-p99 bands.
    for state, color, label in (("lrs", "tab:red", "LRS"), ("hrs", "tab:blue", "HRS")):
        p1, p50, p99 = cp[state + "_p1_uS"], cp[state + "_p50_uS"], cp[state + "_p99_uS"]
        m = (cyc > 0) & (p50 > 0) & np.isfinite(p50)
        if not m.any():
            continue
        ax_b.plot(cyc[m], p50[m], "-o", color=color, ms=4, lw=1.8, label="%s median" % label)
        mb = m & (p1 > 0) & (p99 > 0) & np.isfinite(p1) & np.isfinite(p99)
        if mb.any():
            ax_b.fill_between(cyc[mb], p1[mb], p99[mb], color=color, alpha=0.2, lw=0,
                              label="%s p1–p99" % label)
        for extra in ("_p0.1_uS", "_p99.9_uS"):
            col = cp.get(state + extra)
            if col is not None:
                me = m & (col > 0) & np.isfinite(col)
                ax_b.plot(cyc[me], col[me], ":", color=color, lw=0.9)
    ax_b.plot([], [], ":", color="0.4", lw=0.9, label="p0.1 / p99.9")
    ax_b.set_xscale("log")
    ax_b.set_yscale("log")
    ax_b.set_xlabel("cycles")
    ax_b.set_ylabel("conductance (µS)")
    ax_b.set_title("(b) memory window")
    ax_b.grid(True, which="major", alpha=0.3)
    ax_b.legend(fontsize=8, loc="best")

    # (c) Probit plot of the conductance CDFs.
    ccyc = cdf["cycle"].astype(float)
    states = np.array([str(s).strip().upper() for s in cdf["state"]])
    cycles_c = np.unique(ccyc[np.isfinite(ccyc)])
    pos = cycles_c[cycles_c > 0]
    if len(pos) and pos.max() > pos.min():
        norm = LogNorm(vmin=pos.min(), vmax=pos.max())
    else:
        norm = Normalize(vmin=(cycles_c.min() if len(cycles_c) else 0), vmax=(cycles_c.max() if len(cycles_c) else 1) + 1)
    cmap = plt.get_cmap("viridis")
    for c in cycles_c:
        color = cmap(norm(max(c, pos.min() if len(pos) else c)))
        for state, ls, marker in (("LRS", "-", "o"), ("HRS", "--", "s")):
            m = (ccyc == c) & (states == state)
            g, s = cdf["conductance_uS"][m], cdf["sigma"][m]
            k = np.isfinite(g) & np.isfinite(s) & (g > 0)
            g, s = g[k], s[k]
            if not len(g):
                continue
            o = np.argsort(s)
            ax_c.plot(g[o], s[o], ls=ls, marker=marker, color=color, ms=3, lw=1.2,
                      markevery=max(1, len(g) // 12))
    ax_c.set_xscale("log")
    ax_c.set_xlabel("conductance (µS)")
    ax_c.set_ylabel("σ (standard normal quantile)")
    ax_c.set_ylim(-4.3, 4.3)
    ax_c.set_title("(c) conductance CDFs (probit)")
    ax_c.grid(True, which="major", alpha=0.3)
    ax_c.legend(handles=[Line2D([], [], color="0.3", ls="-", marker="o", ms=3, label="LRS"),
                         Line2D([], [], color="0.3", ls="--", marker="s", ms=3, label="HRS")],
                fontsize=8, loc="upper left")
    probs = [1e-4, 1e-3, 1e-2, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999]
    prob_axis = ax_c.secondary_yaxis("right", functions=(lambda v: v, lambda v: v))
    prob_axis.set_yticks([sigma_of_probability(p) for p in probs])
    prob_axis.set_yticklabels(["%g %%" % (100 * p) for p in probs], fontsize=7)
    prob_axis.set_ylabel("cumulative probability")
    if len(cycles_c):
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        sm.set_array([])
        cax = make_axes_locatable(ax_c).append_axes("right", size="3.5%", pad=0.85)
        cb = fig.colorbar(sm, cax=cax)
        cb.set_label("cycle")

    # (d) Bit error rates.
    plotted = 0
    for col, label, style in (("ber_1t1r", "1T1R (threshold read)", dict(color="tab:orange", marker="o")),
                              ("ber_2t2r", "2T2R (differential read)", dict(color="tab:purple", marker="s"))):
        x, y = positive(cyc, cp[col])
        if len(x):
            ax_d.plot(x, y, "-", label=label, ms=4, lw=1.6, **style)
            plotted += 1
    if not plotted:
        ax_d.text(0.5, 0.5, "no bit errors observed", transform=ax_d.transAxes, ha="center", va="center")
    ax_d.axhline(1e-4, color="0.5", ls=":", lw=1.0, label="BNN tolerance 1e-4")
    ax_d.set_xscale("log")
    ax_d.set_yscale("log")
    if len(cyc[cyc > 0]):
        ax_d.set_xlim(cyc[cyc > 0].min() / 1.5, cyc.max() * 1.5)
    ax_d.set_xlabel("cycles")
    ax_d.set_ylabel("bit error rate (errors per bit read)")
    ax_d.set_title("(d) bit error rate (zeros not shown)")
    ax_d.grid(True, which="major", alpha=0.3)
    ax_d.legend(fontsize=8, loc="upper left")

    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    save_figure(fig, args.out or os.path.join(args.outdir, "endurance.png"), args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
