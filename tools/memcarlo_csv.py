"""Reading memcarlo's output tables and saving figures, shared by the plot scripts (csv + numpy only)."""
import argparse
import csv
import os
import sys

import numpy as np

PROG = os.path.basename(sys.argv[0]).replace(".py", "")


def fail(msg):
    """One line on stderr and exit status 2, as every memcarlo tool does for bad input."""
    print(PROG + ": " + msg, file=sys.stderr)
    sys.exit(2)


def read_csv(path, required):
    """Columns of a CSV file with a header row, as {name: array}: float arrays for numeric columns, object
    arrays for text ones (e.g. state). Exits 2 on a missing or empty file or a missing column."""
    if not os.path.isfile(path):
        fail("missing file %s" % path)
    with open(path, newline="") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            fail("empty file %s" % path)
        rows = [r for r in reader if r and any(c.strip() for c in r)]
    missing = [c for c in required if c not in header]
    if missing:
        fail("%s lacks column(s) %s" % (path, ", ".join(missing)))
    cols = {}
    for i, name in enumerate(header):
        values = [r[i].strip() if i < len(r) else "" for r in rows]
        try:
            cols[name] = np.array([float(v) if v != "" else np.nan for v in values])
        except ValueError:
            cols[name] = np.array(values, dtype=object)
    return cols


def save_figure(fig, path, dpi):
    """Write the figure (exit 2 with one line when the path cannot be written) and print its path."""
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as e:
        fail("cannot write %s: %s" % (path, e))
    print(path)


def sweep_point_names(points_dir):
    """{point folder name: "key=value, ..."} from the swept columns of results.csv beside a sweep's points/ folder
    (empty when there is none), so that a plot names a sweep's curves by what was swept."""
    root = os.path.normpath(points_dir)
    results = os.path.join(os.path.dirname(root), "results.csv")
    if os.path.basename(root) != "points" or not os.path.isfile(results):
        return {}
    with open(results, newline="") as f:
        rows = list(csv.DictReader(f))
    swept = [c for c in (rows[0].keys() if rows else []) if "." in c]
    return {"%06d" % int(r["point"]): ", ".join("%s=%s" % (c.split(".")[-1], r[c]) for c in swept) or r["point"] for r in rows}


def point_or_sweep_main(workload, point_file, plot_point, plot_sweep, dpi, argv=None):
    """The command line of a workload's plot script: OUTDIR holds one point (recognised by point_file) or a sweep;
    plot_point(outdir, png, dpi) draws a point, plot_sweep(outdir, png, dpi) a sweep and returns False when the
    folder holds none."""
    ap = argparse.ArgumentParser(description="Plot memcarlo's %s output (one point or a sweep)." % workload)
    ap.add_argument("outdir", help="output folder of a %s run or sweep" % workload)
    ap.add_argument("--dpi", type=int, default=dpi, help="resolution (default %d)" % dpi)
    args = ap.parse_args(argv)
    if not os.path.isdir(args.outdir):
        fail("no such folder %s" % args.outdir)
    if os.path.isfile(os.path.join(args.outdir, point_file)):
        plot_point(args.outdir, os.path.join(args.outdir, workload + ".png"), args.dpi)
    elif not plot_sweep(args.outdir, os.path.join(args.outdir, workload + "_sweep.png"), args.dpi):
        fail("%s holds neither a %s point (%s) nor a sweep of them" % (args.outdir, workload, point_file))
