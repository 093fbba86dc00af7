#!/usr/bin/python3
"""Plot a write-and-verify run of memcarlo: pulses to converge and final relative error.

Reads OUTDIR/pulses_histogram.csv (set_pulses,converged_devices,unconverged_devices) and OUTDIR/final_error.csv
(relative_error_lo,relative_error_hi,devices), plus OUTDIR/manifest.json for the title when present, and writes
OUTDIR/write_verify.png (or the file given with --out) with two panels. Needs only csv, json, numpy and
matplotlib.
"""
import argparse
import json
import os
import sys

import numpy as np


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot memcarlo's write-and-verify output (pulses_histogram.csv, "
                                             "final_error.csv) as a two-panel PNG.")
    ap.add_argument("outdir", help="output folder of a write-verify run")
    ap.add_argument("--out", help="PNG to write (default OUTDIR/write_verify.png)")
    ap.add_argument("--dpi", type=int, default=130, help="resolution (default 130)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.outdir):
        fail("no such folder %s" % args.outdir)

    pulses = read_csv(os.path.join(args.outdir, "pulses_histogram.csv"),
                      ["set_pulses", "converged_devices", "unconverged_devices"])
    err = read_csv(os.path.join(args.outdir, "final_error.csv"),
                   ["relative_error_lo", "relative_error_hi", "devices"])
    title = "memcarlo write-and-verify"
    manifest_path = os.path.join(args.outdir, "manifest.json")
    if os.path.isfile(manifest_path):
        try:
            with open(manifest_path) as f:
                man = json.load(f)
            parts = [str(man["scenario_name"])] if man.get("scenario_name") else []
            if man.get("backend"):
                parts.append("backend: %s" % man["backend"])
            if parts:
                title += " — " + ", ".join(parts)
        except (OSError, ValueError, AttributeError):
            pass

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_p, ax_e) = plt.subplots(1, 2, figsize=(12, 4.8))

    # (a) SET pulses of converged devices; those that gave up (or never formed) stacked in red.
    k, n, bad = pulses["set_pulses"], pulses["converged_devices"], pulses["unconverged_devices"]
    o = np.argsort(k)
    k, n, bad = k[o], n[o], bad[o]
    total = n.sum()
    ax_p.bar(k, n, width=0.85, color="tab:blue", edgecolor="none", label="converged")
    if bad.sum() > 0:
        ax_p.bar(k, bad, bottom=n, width=0.85, color="tab:red", edgecolor="none",
                 label="not converged: %d" % bad.sum())
    if total > 0:
        mean = float((k * n).sum() / total)
        cum = np.cumsum(n) / total
        median = float(k[np.searchsorted(cum, 0.5)])
        p99 = float(k[min(np.searchsorted(cum, 0.99), len(k) - 1)])
        ax_p.axvline(mean, color="k", ls="--", lw=1.2, label="mean %.3g" % mean)
        ax_p.axvline(median, color="tab:orange", ls=":", lw=1.5, label="median %g" % median)
        ax_p.axvline(p99, color="tab:red", ls="-.", lw=1.2, label="p99 %g" % p99)
        ax_p.legend(fontsize=8, title="%d converged (statistics)" % total, title_fontsize=8)
        both = n + bad
        if both[both > 0].max() / both[both > 0].min() > 300:
            ax_p.set_yscale("log")
    ax_p.set_xlabel("SET pulses to converge")
    ax_p.set_ylabel("devices")
    ax_p.set_title("(a) pulses per device")
    ax_p.grid(True, axis="y", alpha=0.3)

    # (b) Final relative error |G - target| / target, or signed, as the bins say.
    lo, hi, n = err["relative_error_lo"], err["relative_error_hi"], err["devices"]
    o = np.argsort(lo)
    lo, hi, n = lo[o], hi[o], n[o]
    total_e = n.sum()
    log_x = len(lo) > 1 and (lo > 0).all() and (hi / lo).max() > 1.0 and hi.max() / lo.min() > 100
    if log_x:
        ax_e.set_xscale("log")
    ax_e.bar(lo, n, width=hi - lo, align="edge", color="tab:green", edgecolor="none")
    if total_e > 0:
        ax_e.text(0.98, 0.95, "%d devices" % total_e, transform=ax_e.transAxes, ha="right", va="top", fontsize=8)
        if n[n > 0].max() / n[n > 0].min() > 300:
            ax_e.set_yscale("log")
    ax_e.set_xlabel("final relative error (G − target) / target" if (lo < 0).any()
                    else "final relative error |G − target| / target")
    ax_e.set_ylabel("devices")
    ax_e.set_title("(b) final relative error")
    ax_e.grid(True, axis="y", alpha=0.3)

    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    save_figure(fig, args.out or os.path.join(args.outdir, "write_verify.png"), args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
