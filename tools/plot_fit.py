#!/usr/bin/python3
"""Plot a `memcarlo fit`: the measured data against the fitted device model.

Reads the report `memcarlo fit` writes beside the preset (PRESET_fit_report.csv: section,series,chosen,
compliance_uA,x,y,y_se) and writes a four-panel PNG (default: the report's name with .png):
  (a) median LRS conductance vs compliance: the devices' medians with standard errors, every candidate law
      (the chosen one solid);
  (b) c2c sigma vs G: the spread of each device's reads at one compliance against its mean, every sigma law
      (read noise included, as in the data);
  (c) probit CDFs of the reads: LRS per compliance and HRS, data (points) against the model (lines);
  (d) Weibull plot of the lifetimes: Kaplan-Meier estimate of the failed fraction (censored devices included)
      against the fitted Weibull, on axes where a Weibull is a straight line.
Needs only csv, numpy and matplotlib.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402


def rows(rep, section, series=None):
    m = rep["section"] == section
    if series is not None:
        m &= rep["series"] == series
    return m


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot memcarlo fit's data vs model report as a four-panel PNG.")
    ap.add_argument("report", help="PRESET_fit_report.csv written by memcarlo fit (or the preset .yaml beside it)")
    ap.add_argument("--out", help="PNG to write (default: the report with .png)")
    ap.add_argument("--dpi", type=int, default=130, help="resolution (default 130)")
    args = ap.parse_args(argv)
    report = args.report
    if report.endswith(".yaml"):
        report = report[:-5] + "_fit_report.csv"
    rep = read_csv(report, ["section", "series", "chosen", "compliance_uA", "x", "y", "y_se"])
    if len(rep["section"]) == 0:
        fail("%s has no rows" % report)
    for k in ("section", "series"):
        rep[k] = np.asarray(rep[k]).astype(str)
    out = args.out or os.path.splitext(report)[0] + ".png"

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 9.5))
    (ax_m, ax_s), (ax_c, ax_w) = axes
    fig.suptitle("memcarlo fit: %s" % os.path.basename(report).replace("_fit_report.csv", ""))
    styles = {"linear": "tab:blue", "power": "tab:orange", "table": "tab:green", "sqrt": "tab:blue",
              "relative": "tab:red"}

    def law_curves(ax, section):
        for law in sorted(set(rep["series"][rows(rep, section)]) - {"data"}):
            m = rows(rep, section, law)
            chosen = bool(np.nanmax(rep["chosen"][m]) > 0)
            ax.plot(rep["x"][m], rep["y"][m], color=styles.get(law, "gray"), lw=2.2 if chosen else 1.0,
                    ls="-" if chosen else "--", label=law + (" (chosen)" if chosen else ""))

    # (a) medians.
    m = rows(rep, "median", "data")
    ax_m.errorbar(rep["x"][m], rep["y"][m], yerr=np.nan_to_num(rep["y_se"][m]), fmt="o", color="k", ms=5,
                  capsize=3, label="data (geometric mean of devices)")
    law_curves(ax_m, "median")
    ax_m.set_xscale("log")
    ax_m.set_yscale("log")
    ax_m.set_xlabel("SET compliance (uA)")
    ax_m.set_ylabel("median LRS conductance (uS)")
    ax_m.set_title("(a) median law")
    ax_m.legend(fontsize=8)

    # (b) sigma vs G.
    m = rows(rep, "sigma", "data")
    ax_s.scatter(rep["x"][m], rep["y"][m], s=4, alpha=0.35, color="k", label="a device at one compliance")
    law_curves(ax_s, "sigma")
    ax_s.set_xscale("log")
    ax_s.set_yscale("log")
    ax_s.set_xlabel("mean LRS read of the device (uS)")
    ax_s.set_ylabel("c2c sigma of its reads (uS)")
    ax_s.set_title("(b) c2c sigma law (read noise included)")
    ax_s.legend(fontsize=8)

    # (c) probit CDFs.
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    comps = sorted(set(rep["compliance_uA"][rows(rep, "lrs_cdf")][~np.isnan(rep["compliance_uA"][rows(rep, "lrs_cdf")])]))
    for i, ic in enumerate(comps):
        c = colors[i % len(colors)]
        d = rows(rep, "lrs_cdf", "data") & (rep["compliance_uA"] == ic)
        mo = rows(rep, "lrs_cdf", "model") & (rep["compliance_uA"] == ic)
        ax_c.plot(rep["y"][d], rep["x"][d], "o", ms=3, color=c, label="LRS %g uA" % ic)
        ax_c.plot(rep["y"][mo], rep["x"][mo], "-", color=c, lw=1.2)
    d, mo = rows(rep, "hrs_cdf", "data"), rows(rep, "hrs_cdf", "model")
    if d.any():
        ax_c.plot(rep["y"][d], rep["x"][d], "s", ms=3, color="k", label="HRS")
        ax_c.plot(rep["y"][mo], rep["x"][mo], "-", color="k", lw=1.2)
    ax_c.set_xscale("log")
    ax_c.set_xlabel("read conductance (uS)")
    ax_c.set_ylabel("probit (standard deviations)")
    ax_c.set_title("(c) probit CDFs: data (points), model (lines)")
    ax_c.grid(alpha=0.3)
    ax_c.legend(fontsize=8)

    # (d) Weibull plot.
    d, mo = rows(rep, "weibull", "data"), rows(rep, "weibull", "model")
    if d.any():
        def ww(f):
            return np.log(-np.log1p(-np.clip(f, 1e-12, 1 - 1e-12)))
        ax_w.plot(rep["x"][d], ww(rep["y"][d]), "o", ms=3, color="k", label="failures (Kaplan-Meier)")
        ax_w.plot(rep["x"][mo], ww(rep["y"][mo]), "-", color="tab:red", label="Weibull fit")
        ax_w.set_xscale("log")
        ticks = np.array([0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999])
        ax_w.set_yticks(ww(ticks))
        ax_w.set_yticklabels(["%g" % t for t in ticks])
        lo, hi = ww(rep["y"][d]).min(), ww(rep["y"][d]).max()
        ax_w.set_ylim(lo - 1, hi + 1)
        ax_w.set_xlabel("cycles")
        ax_w.set_ylabel("failed fraction (Weibull scale)")
        ax_w.legend(fontsize=8)
    else:
        ax_w.text(0.5, 0.5, "no lifetimes fitted", ha="center", va="center", transform=ax_w.transAxes)
    ax_w.set_title("(d) Weibull plot")
    ax_w.grid(alpha=0.3)

    fig.tight_layout()
    save_figure(fig, out, args.dpi)


if __name__ == "__main__":
    main()
