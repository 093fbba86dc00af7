#!/usr/bin/python3
"""Plot any metric of any memcarlo sweep against one swept key, one line per value of a second, with error bars.

    /usr/bin/python3 tools/plot_sweep.py runs/sweep_compliance failed_fraction ber_1t1r_last_interval
    /usr/bin/python3 tools/plot_sweep.py runs/bayes_machine_seu accuracy --x bayes_machine.seu.rate_ --by seu.targets --logx

METRIC: any numeric column of results.csv (several: one panel each). --x: the swept key on the x axis (default
the first; a unique part of its column name is enough); --by: a swept key whose values get one line each (default
the second swept key, when there is one). Points with other swept keys are kept apart as lines of their own.
Error bars: the metric's `<metric>_se` column (or `_err`), +-1 standard error. Axes say the unit of each column.
Writes FOLDER/sweep_<metric>.png (or --out FILE) and prints its path. Exit 2 on bad input, with one line.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import memcarlo_results as mr  # noqa: E402

PROG = "plot_sweep"


def fail(msg):
    print(PROG + ": " + msg, file=sys.stderr)
    sys.exit(2)


def pick(columns, given, what):
    """The one column whose name equals `given` or contains it."""
    if given in columns:
        return given
    hits = [c for c in columns if given in c]
    if len(hits) != 1:
        fail("%s '%s' %s; swept keys: %s" % (what, given, "matches several columns" if hits else "is not a swept key",
                                             ", ".join(columns) or "(none)"))
    return hits[0]


def label(column):
    unit = mr.unit_of(column)
    return "%s [%s]" % (column[: -len(unit) - 1], unit) if unit else column


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("metric", nargs="+")
    ap.add_argument("--x", help="swept key on the x axis (default: the first)")
    ap.add_argument("--by", help="swept key with one line per value (default: the second, if any)")
    ap.add_argument("--logx", action="store_true")
    ap.add_argument("--logy", action="store_true")
    ap.add_argument("--out", help="output file (default FOLDER/sweep_<metric>.png)")
    ap.add_argument("--dpi", type=int, default=120)
    a = ap.parse_args()
    try:
        df = mr.load(a.folder)
    except mr.ResultsError as e:
        fail(str(e))
    keys = mr.swept(df)
    if not keys:
        fail("%s is a single run (no swept keys): nothing to plot against" % a.folder)
    x = pick(keys, a.x, "--x") if a.x else keys[0]
    rest = [k for k in keys if k != x]
    by = pick(rest, a.by, "--by") if a.by else (rest[0] if rest else None)
    others = [k for k in rest if k != by]
    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    if df.empty:
        fail("%s: no finished point" % a.folder)
    for m in a.metric:
        if m not in df.columns:
            fail("%s/results.csv has no column '%s'; columns: %s" % (a.folder, m, ", ".join(df.columns)))
        if not np.issubdtype(df[m].dtype, np.number):
            fail("'%s' is not a numeric column" % m)
    if not np.issubdtype(df[x].dtype, np.number):
        df = df.assign(**{x: df[x].astype(str)})

    fig, axes = plt.subplots(1, len(a.metric), figsize=(5.2 * len(a.metric), 4.0), squeeze=False)
    groups = [k for k in ([by] if by else []) + others]
    grouped = list(df.groupby(groups if len(groups) > 1 else groups[0], sort=True)) if groups else [((), df)]
    for ax, m in zip(axes[0], a.metric):
        err = mr.error_column(df, m)
        for key, part in grouped:
            key = key if isinstance(key, tuple) else (key,)
            part = part.sort_values(x)
            name = ", ".join("%s=%s" % (label(g), v) for g, v in zip(groups, key))
            yerr = part[err].to_numpy(dtype=float) if err else None
            if a.logy:  # zeros cannot be drawn on a log axis: left out
                keep = part[m].to_numpy(dtype=float) > 0
                part, yerr = part[keep], (yerr[keep] if yerr is not None else None)
            ax.errorbar(part[x], part[m], yerr=yerr, marker="o", ms=4, capsize=3, label=name or None)
        ax.set_xlabel(label(x))
        ax.set_ylabel(label(m) + (" (+-1 SE)" if err else ""))
        if a.logx:
            ax.set_xscale("log")
        if a.logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if groups:
            ax.legend(fontsize=7)
    fig.suptitle(df.attrs["manifest"].get("scenario_name", a.folder), fontsize=10)
    fig.tight_layout()
    out = a.out or os.path.join(a.folder, "sweep_%s.png" % "_".join(a.metric))
    try:
        fig.savefig(out, dpi=a.dpi)
    except OSError as e:
        fail("cannot write %s: %s" % (out, e))
    print(out)


if __name__ == "__main__":
    main()
