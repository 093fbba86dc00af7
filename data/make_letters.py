#!/usr/bin/env python3
"""Rebuild the 4x4 letter patterns of Merrikh-Bayat et al. (Nat. Commun. 9, 2331, 2018), Fig. 4d.

The paper shows its 40 training patterns (10 stylised variants of each of A, T, V, X) only as a figure. The
variants below are a reconstruction in the same spirit (the base letter, strokes thinned, thickened or
shifted by one pixel), written by hand; they are not the paper's exact pixels, so accuracies differ by a few
points (notes/neural-workloads.md B1). The 640 test patterns are every single-pixel flip of every training
pattern (40 x 16), as in the paper. Pixels: 1 = black, 0 = white; the workload maps them to +-0.2 V.

The 3-class subset (A, T, V: labels 0-2, the same rows without the X patterns) is written as letters3.csv and
letters3_test.csv for the paper's in-situ experiment on three classes.

Usage: make_letters.py  (writes letters.csv, letters_test.csv, letters3.csv and letters3_test.csv beside this file)
"""
import os

LETTERS = {
    0: [  # A
        ".XX.|X..X|XXXX|X..X", "XXX.|X..X|XXXX|X..X",
        ".X..|X.X.|XXX.|X.X.", "..X.|.X.X|.XXX|.X.X", ".XX.|XXXX|X..X|X..X", "XXXX|X..X|XXXX|X..X",
        ".XX.|X..X|XXXX|....", "....|.XX.|XXXX|X..X", ".X..|X.X.|X.X.|XXX.", ".X..|X.X.|XXX.|..X.",
    ],
    1: [  # T
        "XXXX|.X..|.X..|.X..", "XXXX|..X.|..X.|..X.", "XXX.|.X..|.X..|.X..", ".XXX|..X.|..X.|..X.",
        "XXXX|.XX.|.XX.|.XX.", "XXXX|.X..|.X..|....", "XXX.|.X..|.X..|....", "....|XXX.|.X..|.X..",
        "....|.XXX|..X.|..X.", ".X..|XXX.|.X..|.X..",
    ],
    2: [  # V
        "X..X|X..X|X..X|.XX.", "X..X|X..X|.XX.|.XX.", "X.X.|X.X.|.X..|....", ".X.X|.X.X|..X.|....",
        "X..X|.XX.|.XX.|....", "X..X|X..X|.X.X|..X.", "X..X|X..X|X.X.|.X..", "X.X.|X.X.|X.X.|.X..",
        ".X.X|.X.X|.X.X|..X.", "X..X|.X.X|.XX.|.X..",
    ],
    3: [  # X
        "X..X|.XX.|.XX.|X..X", "X.X.|.X..|X.X.|....", ".X.X|..X.|.X.X|....", "....|X.X.|.X..|X.X.",
        "....|.X.X|..X.|.X.X", "X..X|.XX.|X..X|....", "....|X..X|.XX.|X..X", "X..X|..X.|.X..|X..X",
        "X..X|.X..|..X.|X..X", "X..X|.XX.|.X..|X...",
    ],
}


def parse(s):
    rows = s.split("|")
    assert len(rows) == 4 and all(len(r) == 4 for r in rows), s
    return [1 if c == "X" else 0 for r in rows for c in r]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    train = []
    for label, variants in LETTERS.items():
        assert len(variants) == 10
        for v in variants:
            train.append((parse(v), label))
    seen = set()
    for p, label in train:
        key = tuple(p)
        assert key not in seen, f"duplicate pattern {p} (class {label})"
        seen.add(key)
    header = ",".join(f"pixel_{r}_{c}" for r in range(4) for c in range(4)) + ",label\n"
    for name, classes in (("letters", 4), ("letters3", 3)):
        with open(os.path.join(here, name + ".csv"), "w") as f:
            f.write(header)
            for p, label in train:
                if label < classes:
                    f.write(",".join(map(str, p)) + f",{label}\n")
        with open(os.path.join(here, name + "_test.csv"), "w") as f:
            f.write(header)
            for p, label in train:
                if label >= classes:
                    continue
                for k in range(16):
                    q = list(p)
                    q[k] = 1 - q[k]
                    f.write(",".join(map(str, q)) + f",{label}\n")


if __name__ == "__main__":
    main()
