"""Reading memcarlo's output tables and saving figures, shared by the plot scripts (csv + numpy only)."""
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
