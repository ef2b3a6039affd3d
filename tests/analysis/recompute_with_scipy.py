#!/usr/bin/env python3
"""Recompute the analysis numbers of a study with scipy and compare them with
the CSVs that `quant-autopsy analyze` wrote.

Usage: recompute_with_scipy.py STUDY

Reads STUDY/results.sqlite, STUDY/ladder/manifest.json and
STUDY/analysis/settings.json. It checks these values to 1e-9:
  summary.csv              n, correct, accuracy, Wilson 95 % bounds
  paired_flip_table.csv    a, b, c, d, net loss, retention
  paired_significance.csv  exact McNemar p, Holm p, acc_diff, degraded
Exits 0 when every value matches, 1 with a list of mismatches, 2 on bad input.
"""

import csv
import json
import math
import sqlite3
import sys
from pathlib import Path

import numpy as np
from scipy.stats import binom, binomtest

TOLERANCE = 1e-9
NOISE_FLOOR_RUNGS = ("reference-rerun", "F16")


def read_csv(path):
    with open(path, newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def mcnemar_exact(b, c):
    if b + c == 0:
        return 1.0
    return min(1.0, 2.0 * binom.cdf(min(b, c), b + c, 0.5))


def holm(p_values):
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    result = np.empty(m)
    result[order] = adjusted
    return list(result)


def rows_rung_of(manifest, name):
    """Follow identical_to to the rung whose rows are stored."""
    by_name = {rung["name"]: rung for rung in manifest["rungs"]}
    seen = set()
    while name in by_name and by_name[name].get("identical_to") and name not in seen:
        seen.add(name)
        name = by_name[name]["identical_to"]
    return name


class Checker:
    def __init__(self):
        self.mismatches = []
        self.checked = 0

    def number(self, label, got_text, expected):
        self.checked += 1
        if expected is None:
            if got_text != "":
                self.mismatches.append(f"{label}: expected empty, got {got_text!r}")
            return
        try:
            got = float(got_text)
        except ValueError:
            self.mismatches.append(f"{label}: expected {expected!r}, got {got_text!r}")
            return
        if not math.isclose(got, expected, rel_tol=0, abs_tol=TOLERANCE):
            self.mismatches.append(f"{label}: expected {expected!r}, got {got!r}")

    def text(self, label, got, expected):
        self.checked += 1
        if got != expected:
            self.mismatches.append(f"{label}: expected {expected!r}, got {got!r}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    study = Path(sys.argv[1])
    analysis = study / "analysis"
    for needed in (study / "results.sqlite", study / "ladder" / "manifest.json",
                   analysis / "settings.json"):
        if not needed.exists():
            print(f"{needed} not found; run quant-autopsy analyze {study} first", file=sys.stderr)
            return 2

    manifest = json.loads((study / "ladder" / "manifest.json").read_text())
    settings = json.loads((analysis / "settings.json").read_text())
    alpha, delta = settings["alpha"], settings["delta"]

    connection = sqlite3.connect(f"file:{study / 'results.sqlite'}?mode=ro", uri=True)
    battery = connection.execute("SELECT value FROM meta WHERE key = 'battery_hash'").fetchone()
    battery = battery[0] if battery else settings["battery_hash"]
    correct = {}  # rung -> {item_id: (family, correct)}
    for rung, item_id, family, is_correct in connection.execute(
            "SELECT rung, item_id, family, correct FROM responses WHERE battery_hash = ?", (battery,)):
        correct.setdefault(rung, {})[item_id] = (family, bool(is_correct))
    reference = correct.get("reference", {})
    families = sorted({family for family, _ in reference.values()})

    checker = Checker()

    # summary.csv
    for row in read_csv(analysis / "summary.csv"):
        rows_rung = rows_rung_of(manifest, row["rung"])
        values = [ok for family, ok in correct.get(rows_rung, {}).values() if family == row["family"]]
        n, k = len(values), sum(values)
        label = f"summary {row['rung']}/{row['family']}"
        checker.number(label + " n", row["n"], n)
        checker.number(label + " correct", row["correct"], k)
        if n == 0:
            checker.number(label + " accuracy", row["accuracy"], None)
            continue
        interval = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        checker.number(label + " accuracy", row["accuracy"], k / n)
        checker.number(label + " ci_low", row["ci_low"], interval.low)
        checker.number(label + " ci_high", row["ci_high"], interval.high)

    # Flip counts per listed (family, rung).
    def flips(family, rung):
        quant = correct.get(rows_rung_of(manifest, rung), {})
        counts = [0, 0, 0, 0]
        for item_id, (item_family, reference_ok) in reference.items():
            if item_family != family or item_id not in quant:
                continue
            quant_ok = quant[item_id][1]
            if reference_ok and quant_ok:
                counts[0] += 1
            elif reference_ok:
                counts[1] += 1
            elif quant_ok:
                counts[2] += 1
            else:
                counts[3] += 1
        return counts

    for row in read_csv(analysis / "paired_flip_table.csv"):
        a, b, c, d = flips(row["family"], row["rung"])
        n = a + b + c + d
        label = f"flip {row['rung']}/{row['family']}"
        for column, value in (("n", n), ("both_correct", a), ("ref_correct_quant_wrong", b),
                              ("ref_wrong_quant_correct", c), ("both_wrong", d)):
            checker.number(f"{label} {column}", row[column], value)
        checker.number(label + " net_loss", row["net_loss"], (b - c) / n if n else None)
        checker.number(label + " retention", row["retention"], a / (a + b) if a + b else None)

    # paired_significance.csv: Holm over ladder tests with n > 0, one per rows rung.
    significance = read_csv(analysis / "paired_significance.csv")
    ok_rungs = {rung["name"] for rung in manifest["rungs"] if rung.get("status", "ok") == "ok"}
    family_keys, family_p = [], []
    for row in significance:
        rung = row["rung"]
        key = (row["family"], rows_rung_of(manifest, rung))
        a, b, c, d = flips(row["family"], rung)
        if rung in NOISE_FLOOR_RUNGS or rung not in ok_rungs or a + b + c + d == 0:
            continue
        if key not in family_keys:
            family_keys.append(key)
            family_p.append(mcnemar_exact(b, c))
    holm_by_key = dict(zip(family_keys, holm(family_p)))

    for row in significance:
        rung = row["rung"]
        a, b, c, d = flips(row["family"], rung)
        n = a + b + c + d
        label = f"significance {rung}/{row['family']}"
        checker.number(label + " b", row["b"], b)
        checker.number(label + " c", row["c"], c)
        checker.number(label + " p_value", row["p_value"], mcnemar_exact(b, c))
        checker.number(label + " acc_diff", row["acc_diff"], (c - b) / n if n else None)
        adjusted = holm_by_key.get((row["family"], rows_rung_of(manifest, rung)))
        checker.number(label + " p_holm", row["p_holm"], adjusted)
        if adjusted is None:
            checker.text(label + " degraded", row["degraded"], "" if rung in NOISE_FLOOR_RUNGS else "false")
        else:
            degraded = adjusted < alpha and b > c and (b - c) / n >= delta
            checker.text(label + " degraded", row["degraded"], "true" if degraded else "false")

    if len(family_p) != settings["holm_family_size"]:
        checker.mismatches.append(
            f"Holm family size: expected {len(family_p)}, settings.json has {settings['holm_family_size']}")

    if checker.mismatches:
        print(f"{len(checker.mismatches)} of {checker.checked} values differ:")
        for mismatch in checker.mismatches:
            print("  " + mismatch)
        return 1
    print(f"all {checker.checked} values match scipy to {TOLERANCE} "
          f"({len(families)} families, Holm family of {len(family_p)} tests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
