#!/usr/bin/python3
"""Plot an mcmc run of memcarlo (Metropolis-Hastings with device-write proposals): traces, posteriors, learning.

Usage: plot_mcmc.py RUN_DIR [--out PNG_PREFIX]. Reads RUN_DIR/results.csv, trace.csv, diagnostics.csv and
progress.csv (and manifest.json for the title when present) and writes, at PREFIX (default RUN_DIR/mcmc):
  PREFIX_traces.png     the log target and the first few parameters vs iteration, one line per kept chain;
  PREFIX_posterior.png  histograms of up to 4 parameters pooled over the kept chains, with the posterior mean
                        of diagnostics.csv and, where it has analytic_mean/analytic_sd (the linear_regression
                        task), the exact Gaussian posterior's density;
  PREFIX_progress.png   ensemble test accuracy (or the cart-pole's mean test return, or for regression the
                        test log-likelihood) vs iterations and vs mean device cycles (log x), and the mean log
                        target with the acceptance rate vs iterations.
A sweep folder (results.csv with one row per point, the points in RUN_DIR/points/NNNNNN/) gets those three
figures per point (in each point's folder, or at PREFIX_pointNNNNNN_*.png with --out) and, where the points'
diagnostics carry analytic columns, PREFIX_bias.png: per parameter, (posterior mean - analytic mean) / analytic
sd with +-2 mcse error bars, one series per point, colored by mcmc.acceptance (plain vs hastings).
Needs only csv, json, numpy and matplotlib (Agg backend).
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memcarlo_csv import fail, read_csv, save_figure  # noqa: E402

RESULT_COLS = ["point", "workload", "task", "model", "acceptance", "chains", "iterations"]
TRACE_FIXED = ("chain", "iteration", "log_target")
MAX_TRACE_CHAINS = 4
MAX_TRACE_PARAMS = 4
MAX_HIST_PARAMS = 4
CHAIN_COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
ACCEPTANCE_COLORS = {"plain": "tab:red", "hastings": "tab:blue"}


def csv_header(path):
    """The header row of a CSV file (with quoted names such as "W1[0,x1]" kept whole)."""
    with open(path, newline="") as f:
        try:
            return [h.strip() for h in next(csv.reader(f))]
        except StopIteration:
            fail("empty file %s" % path)


def finite_any(a):
    return a is not None and a.dtype != object and np.isfinite(a).any()


def run_title(run_dir, fallback):
    """A title from manifest.json (scenario name, backend), or the fallback."""
    path = os.path.join(run_dir, "manifest.json")
    if os.path.isfile(path):
        try:
            with open(path) as f:
                man = json.load(f)
            parts = [str(man[k]) for k in ("scenario_name",) if man.get(k)]
            if man.get("backend"):
                parts.append("backend: %s" % man["backend"])
            if parts:
                return fallback + " — " + ", ".join(parts)
        except (OSError, ValueError, AttributeError):
            pass  # a title is a nicety; a broken manifest should not stop the plot
    return fallback


def text_of(res, col, i=0):
    v = res.get(col)
    if v is None or len(v) <= i:
        return ""
    x = v[i]
    if isinstance(x, float):
        return "%g" % x
    return str(x)


def subtitle(res):
    """One line describing a run from its results row."""
    parts = ["%s/%s" % (text_of(res, "task"), text_of(res, "model")),
             "%s acceptance" % text_of(res, "acceptance"),
             "%s chains × %s iterations" % (text_of(res, "chains"), text_of(res, "iterations"))]
    acc = res.get("acceptance_rate")
    if acc is not None and acc.dtype != object and np.isfinite(acc[0]):
        parts.append("accept %.3f" % acc[0])
    rh = res.get("max_rhat")
    if rh is not None and rh.dtype != object and np.isfinite(rh[0]):
        parts.append("max R-hat %.3f" % rh[0])
    return ", ".join(parts)


def plot_traces(plt, run_dir, trace, params, title, path, dpi):
    chains = np.unique(trace["chain"][np.isfinite(trace["chain"])]).astype(int)[:MAX_TRACE_CHAINS]
    shown = params[:MAX_TRACE_PARAMS]
    rows = 1 + len(shown)
    fig, axes = plt.subplots(rows, 1, figsize=(11, 1.9 + 1.75 * rows), sharex=True, squeeze=False)
    axes = axes[:, 0]
    for k, c in enumerate(chains):
        m = trace["chain"] == c
        it = trace["iteration"][m]
        o = np.argsort(it, kind="stable")
        color = CHAIN_COLORS[k % len(CHAIN_COLORS)]
        axes[0].plot(it[o], trace["log_target"][m][o], lw=0.8, color=color, label="chain %d" % c)
        for a, p in enumerate(shown):
            axes[1 + a].plot(it[o], trace[p][m][o], lw=0.8, color=color)
    axes[0].set_ylabel("log target")
    axes[0].legend(fontsize=8, loc="lower right", ncol=len(chains))
    for a, p in enumerate(shown):
        axes[1 + a].set_ylabel(p, fontsize=9)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("iteration (kept samples)")
    more = "" if len(params) <= len(shown) else " (first %d of %d parameters)" % (len(shown), len(params))
    axes[0].set_title("traces of %d chain(s)%s" % (len(chains), more), fontsize=10)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    plt.close(fig)


def plot_posterior(plt, trace, diag, params, title, path, dpi):
    shown = params[:MAX_HIST_PARAMS]
    ncols = len(shown)
    fig, axes = plt.subplots(1, ncols, figsize=(3.6 * ncols + 0.6, 3.9), squeeze=False)
    axes = axes[0]
    names = list(diag["name"]) if diag is not None and diag["name"].dtype == object else []
    has_analytic = diag is not None and finite_any(diag.get("analytic_mean")) and finite_any(diag.get("analytic_sd"))
    for ax, p in zip(axes, shown):
        x = trace[p][np.isfinite(trace[p])]
        if len(x) == 0:
            ax.text(0.5, 0.5, "no samples", transform=ax.transAxes, ha="center")
            continue
        ax.hist(x, bins=min(60, max(10, int(math.sqrt(len(x))))), density=True, color="0.7", edgecolor="0.55",
                lw=0.4, label="samples (%d)" % len(x))
        if p in names:
            i = names.index(p)
            ax.axvline(diag["mean"][i], color="k", lw=1.2, label="posterior mean")
            if has_analytic and np.isfinite(diag["analytic_mean"][i]) and diag["analytic_sd"][i] > 0:
                mu, sd = diag["analytic_mean"][i], diag["analytic_sd"][i]
                lo, hi = min(x.min(), mu - 4 * sd), max(x.max(), mu + 4 * sd)
                g = np.linspace(lo, hi, 300)
                ax.plot(g, np.exp(-0.5 * ((g - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi)), "--",
                        color="tab:blue", lw=1.8, label="analytic N(%.3g, %.2g²)" % (mu, sd))
        ax.set_title(p, fontsize=10)
        ax.set_xlabel("value")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel("density")
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    plt.close(fig)


def plot_progress(plt, prog, title, path, dpi):
    if finite_any(prog.get("ensemble_test_accuracy")):
        metric, label = prog["ensemble_test_accuracy"] * 100.0, "ensemble test accuracy (%)"
    elif finite_any(prog.get("mean_test_return")):
        metric, label = prog["mean_test_return"], "mean test return (steps)"
    else:
        metric, label = prog["ensemble_test_log_likelihood"], "ensemble test log-likelihood"
    it, cyc = prog["iteration"], prog["mean_device_cycles"]
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.3))
    for ax, x, xl in ((axes[0], it, "iteration"), (axes[1], cyc, "mean device cycles (writes per device)")):
        m = np.isfinite(x) & np.isfinite(metric) & (x > 0)
        ax.plot(x[m], metric[m], "-", color="tab:green", lw=1.6)
        ax.set_xscale("log")
        ax.set_xlabel(xl)
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_title("(a) learning vs iterations")
    axes[1].set_title("(b) learning vs device wear")
    ax = axes[2]
    lt = prog["mean_log_target"]
    m = np.isfinite(it) & np.isfinite(lt) & (it > 0)
    ax.plot(it[m], lt[m], color="k", lw=1.4, label="mean log target")
    ax.set_xscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean log target")
    if m.any():  # keep the start from flattening the equilibrium: show from the 5th percentile up
        lo = np.percentile(lt[m], 5)
        hi = lt[m].max()
        ax.set_ylim(lo - 0.1 * (hi - lo + 1e-9), hi + 0.1 * (hi - lo + 1e-9))
    ax.grid(True, which="both", alpha=0.3)
    ax2 = ax.twinx()
    a = prog["acceptance_rate"]
    ma = np.isfinite(it) & np.isfinite(a) & (it > 0)
    ax2.plot(it[ma], a[ma], color="tab:purple", lw=1.2, label="acceptance rate (cumulative)")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("acceptance rate", color="tab:purple")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="lower right")
    ax.set_title("(c) log target and acceptance")
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    plt.close(fig)


def plot_run(plt, run_dir, prefix, res, title, dpi):
    """The three figures of one run folder (res: its results row as {column: array of one value})."""
    trace_path = os.path.join(run_dir, "trace.csv")
    header = csv_header(trace_path) if os.path.isfile(trace_path) else None
    if header is None:
        fail("missing file %s" % trace_path)
    trace = read_csv(trace_path, list(TRACE_FIXED))
    params = [h for h in header if h not in TRACE_FIXED]
    diag_path = os.path.join(run_dir, "diagnostics.csv")
    diag = read_csv(diag_path, ["param", "name", "mean", "sd", "mcse_mean"]) if os.path.isfile(diag_path) else None
    prog = read_csv(os.path.join(run_dir, "progress.csv"),
                    ["iteration", "mean_device_cycles", "ensemble_test_log_likelihood", "mean_log_target",
                     "acceptance_rate"])
    full_title = title + "\n" + subtitle(res)
    plot_traces(plt, run_dir, trace, params, full_title, prefix + "_traces.png", dpi)
    plot_posterior(plt, trace, diag, params, full_title, prefix + "_posterior.png", dpi)
    plot_progress(plt, prog, full_title, prefix + "_progress.png", dpi)


def plot_bias(plt, entries, title, path, dpi):
    """entries: [(label, acceptance, names, z, err)]; one marker series per point, offset along x."""
    names = []
    for _, _, n, _, _ in entries:
        for x in n:
            if x not in names:
                names.append(x)
    k = len(entries)
    width = 0.7
    fig, ax = plt.subplots(figsize=(max(6.5, 1.3 * len(names) + 3.5), 4.8))
    fallback = ["tab:green", "tab:orange", "tab:brown", "tab:gray"]
    used = set()
    for e, (label, acc, n, z, err) in enumerate(entries):
        off = (e - (k - 1) / 2.0) * (width / max(k, 1))
        xs = np.array([names.index(x) for x in n], dtype=float) + off
        color = ACCEPTANCE_COLORS.get(acc, fallback[e % len(fallback)])
        ax.errorbar(xs, z, yerr=err, fmt="o", ms=6, capsize=4, lw=1.4, color=color,
                    label=label if label not in used else None)
        used.add(label)
    ax.axhline(0, color="k", lw=1.0)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=0 if len(names) < 8 else 45, ha="center" if len(names) < 8 else "right")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel("(posterior mean − analytic mean) / analytic sd")
    ax.set_xlabel("parameter")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=9, loc="best", title="error bars: ±2 MCSE", title_fontsize=8)
    ax.set_title("bias of the posterior mean against the exact posterior", fontsize=10)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path, dpi)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot memcarlo's mcmc output (results.csv, trace.csv, diagnostics.csv, "
                                             "progress.csv) of a run or a sweep folder as PNGs.")
    ap.add_argument("run_dir", help="output folder of an mcmc run or sweep")
    ap.add_argument("--out", help="PNG prefix (default RUN_DIR/mcmc; writes PREFIX_traces.png, ...)")
    ap.add_argument("--dpi", type=int, default=120, help="resolution (default 120)")
    args = ap.parse_args(argv)
    run_dir = args.run_dir
    if not os.path.isdir(run_dir):
        fail("no such folder %s" % run_dir)
    res = read_csv(os.path.join(run_dir, "results.csv"), RESULT_COLS)
    workloads = set(str(w) for w in res["workload"])
    if workloads != {"mcmc"}:
        fail("%s is not an mcmc run (workload %s)" % (run_dir, ", ".join(sorted(workloads))))
    header = csv_header(os.path.join(run_dir, "results.csv"))
    # Swept keys stand between `status` and `seed` (docs/results.md); a single run has none.
    swept = header[header.index("status") + 1:header.index("seed")] if "status" in header and "seed" in header else []
    sweep = bool(swept) or os.path.isdir(os.path.join(run_dir, "points"))
    prefix = args.out or os.path.join(run_dir, "mcmc")
    out_dir = os.path.dirname(os.path.abspath(prefix))
    if not os.path.isdir(out_dir):
        fail("no such folder %s" % out_dir)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title = run_title(run_dir, "memcarlo mcmc")
    if not sweep:
        plot_run(plt, run_dir, prefix, res, title, args.dpi)
        return 0

    entries = []
    for i in range(len(res["point"])):
        if "status" in res and str(res["status"][i]) != "ok":
            print("point %s: status %s, skipped" % (text_of(res, "point", i), res["status"][i]), file=sys.stderr)
            continue
        idx = int(res["point"][i])
        pdir = os.path.join(run_dir, "points", "%06d" % idx)
        if not os.path.isdir(pdir):
            print("point %d: no folder %s, skipped" % (idx, pdir), file=sys.stderr)
            continue
        row = {k: v[i:i + 1] for k, v in res.items()}
        label = ", ".join("%s=%s" % (k.split(".")[-1], text_of(res, k, i)) for k in swept) or "point %d" % idx
        pprefix = (args.out + "_point%06d" % idx) if args.out else os.path.join(pdir, "mcmc")
        plot_run(plt, pdir, pprefix, row, run_title(pdir, "memcarlo mcmc") + " — point %d (%s)" % (idx, label), args.dpi)
        dpath = os.path.join(pdir, "diagnostics.csv")
        if not os.path.isfile(dpath):
            continue
        d = read_csv(dpath, ["name", "mean", "mcse_mean"])
        if not (finite_any(d.get("analytic_mean")) and finite_any(d.get("analytic_sd"))):
            continue
        ok = np.isfinite(d["analytic_mean"]) & (d["analytic_sd"] > 0)
        z = (d["mean"][ok] - d["analytic_mean"][ok]) / d["analytic_sd"][ok]
        err = 2.0 * d["mcse_mean"][ok] / d["analytic_sd"][ok]
        entries.append((label, text_of(res, "acceptance", i), [str(n) for n in d["name"][ok]], z, err))
    if entries:
        plot_bias(plt, entries, title + " — %d points" % len(entries), prefix + "_bias.png", args.dpi)
    else:
        print("no point has analytic posterior columns: no bias figure", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
