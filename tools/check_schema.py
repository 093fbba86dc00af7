#!/usr/bin/python3
"""Validate every shipped scenario and device preset against configs/memcarlo.schema.json.

The JSON Schema serves editors (yaml-language-server); this check keeps it honest. Exit status 0 when all
files validate, 1 otherwise (each failure printed as FILE: PATH: MESSAGE), 2 when jsonschema is missing.
"""
import argparse
import glob
import json
import os
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover
    print(f"check_schema: missing Python module ({e}); install python3-jsonschema python3-yaml", file=sys.stderr)
    sys.exit(2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."), help="project root")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    with open(os.path.join(root, "configs", "memcarlo.schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    failures = checked = 0
    docs = []
    for path in sorted(glob.glob(os.path.join(root, "configs", "*.yaml")) + glob.glob(os.path.join(root, "configs", "scenarios", "*.yaml"))
                       + glob.glob(os.path.join(root, "tests", "regression", "*.yaml"))):
        with open(path) as f:
            docs.append((path, yaml.safe_load(f)))
    for path in sorted(glob.glob(os.path.join(root, "configs", "devices", "*.yaml"))):
        with open(path) as f:
            docs.append((path, {"workload": "endurance", "device": yaml.safe_load(f)}))  # a preset is a device block
    for path, doc in docs:
        checked += 1
        for err in validator.iter_errors(doc):
            failures += 1
            where = ".".join(str(p) for p in err.absolute_path) or "(top)"
            print(f"{os.path.relpath(path, root)}: {where}: {err.message}")
    print(f"check_schema: {checked} files, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
