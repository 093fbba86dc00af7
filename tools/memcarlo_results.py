"""Load a memcarlo run or sweep folder into pandas, with units (docs/results.md).

    import sys; sys.path.insert(0, "tools")
    import memcarlo_results as mr
    df = mr.load("runs/sweep_compliance")     # results.csv: one row per point (a single run: one row)
    mr.units(df)                               # {"endurance.compliance_uA": "uA", "failed_fraction": "", ...}
    mr.swept(df)                               # ["endurance.compliance_uA"]: the swept keys' columns
    cp = mr.table("runs/sweep_compliance", "checkpoints.csv")   # every point's table, with point and swept keys

Every column name ends with its unit when it has one (`_uS`, `_uA`, `_pJ`, `_s`, ...); swept keys are numbers in
the key's internal unit; a rate `x` has its standard error in `x_se` (or counts beside it). Run as a script it
prints what a folder holds: `python3 tools/memcarlo_results.py FOLDER`.
"""
import json
import os
import sys

import pandas as pd

# Unit suffixes of memcarlo's column names, longest first (a name like "energy_per_device_pJ" ends in "_pJ").
UNITS = ("uS", "uA", "mA", "nA", "V", "mV", "s", "ms", "us", "ns", "pJ", "fJ", "nJ", "uJ", "ohm", "kohm", "cycles")
SHARED = ("point", "status", "seed", "error")


class ResultsError(Exception):
    """A folder that is not a finished memcarlo output (missing or unreadable manifest or results)."""


def unit_of(column):
    """The unit a column name ends with ("compliance_uA" -> "uA"), or "" for a dimensionless one."""
    for u in UNITS:
        if column.endswith("_" + u):
            return u
    return ""


def manifest(folder):
    path = os.path.join(folder, "manifest.json")
    if not os.path.isfile(path):
        raise ResultsError("%s: no manifest.json (not a memcarlo output folder)" % folder)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ResultsError("%s: unreadable manifest: %s" % (path, e))


def load(folder):
    """results.csv of a run or sweep folder as a DataFrame (numbers as numbers, "true"/"false" as booleans).
    df.attrs holds "units" (column -> unit), "swept" (the swept keys' columns, in order), "manifest" and "folder"."""
    m = manifest(folder)
    path = os.path.join(folder, "results.csv")
    if not os.path.isfile(path):
        raise ResultsError("%s: no results.csv" % folder)
    df = pd.read_csv(path, keep_default_na=False, na_values=["nan", "NaN", "inf", "-inf"])
    for c in df.columns:
        values = set(df[c].dropna().astype(str))
        if values and values <= {"true", "false"}:
            df[c] = df[c].astype(str) == "true"
        elif df[c].dtype == object:
            converted = pd.to_numeric(df[c], errors="coerce")
            if converted.notna().sum() == (df[c].astype(str) != "").sum() and (df[c].astype(str) != "").any():
                df[c] = converted
    sweep = m.get("sweep") or {}
    df.attrs["swept"] = [h for h in sweep.get("headers", []) if h in df.columns]
    df.attrs["units"] = {c: unit_of(c) for c in df.columns}
    df.attrs["manifest"] = m
    df.attrs["folder"] = folder
    return df


def units(df):
    return dict(df.attrs.get("units", {c: unit_of(c) for c in df.columns}))


def swept(df):
    return list(df.attrs.get("swept", []))


def table(folder, name):
    """Another table of the folder (checkpoints.csv, cdf.csv, ...): a single run's, or every point's of a sweep
    (points/NNNNNN/<name>, absent without point files) with `point` and the swept keys' columns in front."""
    df = load(folder)
    direct = os.path.join(folder, name)
    if not swept(df) and os.path.isfile(direct):
        return pd.read_csv(direct)
    parts = []
    for _, row in df.iterrows():
        path = os.path.join(folder, "points", "%06d" % int(row["point"]), name)
        if row.get("status", "ok") != "ok" or not os.path.isfile(path):
            continue
        t = pd.read_csv(path)
        for k, c in enumerate(["point"] + swept(df)):
            t.insert(k, c, row[c])
        parts.append(t)
    if not parts:
        raise ResultsError("%s: no point holds %s (a sweep run with --no-point-files keeps results.csv only)" % (folder, name))
    return pd.concat(parts, ignore_index=True)


def error_column(df, metric):
    """The column holding the standard error (or error estimate) of `metric`, or None."""
    for suffix in ("_se", "_err"):
        if metric + suffix in df.columns:
            return metric + suffix
    return None


def main(argv):
    if len(argv) != 2:
        print("usage: memcarlo_results.py FOLDER", file=sys.stderr)
        return 2
    try:
        df = load(argv[1])
    except ResultsError as e:
        print("memcarlo_results: %s" % e, file=sys.stderr)
        return 2
    m = df.attrs["manifest"]
    print("%s: %s, %d point(s), workload %s" % (argv[1], m.get("scenario_name", "?"), len(df), m.get("workload", "?")))
    print("swept: %s" % (", ".join(swept(df)) or "(none: a single run)"))
    for c in df.columns:
        if c in SHARED or c in swept(df):
            continue
        err = error_column(df, c)
        print("  %-40s %-6s %s" % (c, unit_of(c) or "-", ("+- " + err) if err else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
