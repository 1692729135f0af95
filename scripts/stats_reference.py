#!/usr/bin/env python3
"""Checks hos-behavior's statistics against numpy and scipy on the same records.

Usage: scripts/stats_reference.py BINDIR

Runs `hos-synth | hos-behavior` on synthetic users, then recomputes, for every user and metric,
from the very records the agent read: baseline (numpy.median), recent mean, Theil-Sen slope
(scipy.stats.theilslopes), the Mann-Kendall p-value (scipy.stats.kendalltau against time,
asymptotic), the coefficient of variation (numpy.std ddof=1 / mean), MAD
(scipy.stats.median_abs_deviation), anomalies (modified z-score > 3.5), and the circular mean and
SD of sleep times (scipy.stats.circmean / circstd over 0-1440 minutes). Exits 1 on any mismatch
beyond the agent's rounding. `make test` runs it when python3 has scipy.
"""
import json
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from scipy import stats


def main(bindir):
    synth = subprocess.run([f"{bindir}/hos-synth", "--users", "18", "--days", "75", "--seed", "11",
                            "--request", "--window-days", "60"], check=True, capture_output=True).stdout
    out = subprocess.run([f"{bindir}/hos-behavior"], input=synth, check=True, capture_output=True).stdout
    records = defaultdict(dict)
    for line in synth.splitlines():
        e = json.loads(line)
        if e["event_type"] == "health_record":
            records[e["user_id"]][e["payload"]["date"]] = e["payload"]["metrics"]
    checks = 0
    failures = []

    def close(what, ours, ref, tol):
        nonlocal checks
        checks += 1
        if ours is None or ref is None or not np.isfinite(ref):
            if not (ours is None and (ref is None or not np.isfinite(ref))):
                failures.append(f"{what}: hos {ours} vs reference {ref}")
            return
        if abs(ours - ref) > tol + 1e-9:  # rounding to half a unit, ties included
            failures.append(f"{what}: hos {ours} vs reference {ref:.6g}")

    for line in out.splitlines():
        e = json.loads(line)
        if e["event_type"] != "behavior_analysis":
            continue
        user, p = e["user_id"], e["payload"]
        start, end = date.fromisoformat(p["window"]["start"]), date.fromisoformat(p["window"]["end"])
        days = {d: m for d, m in records[user].items() if start <= date.fromisoformat(d) <= end}
        for name, summary in p["metrics"].items():
            series = sorted((d, m[name]) for d, m in days.items() if isinstance(m.get(name), (int, float)))
            y = np.array([v for _, v in series], dtype=float)
            x = np.array([(date.fromisoformat(d) - start).days for d, _ in series], dtype=float)
            tag = f"{user} {name}"
            close(f"{tag} n", summary["n"], len(y), 0)
            close(f"{tag} baseline", summary["baseline"], np.median(y), 0.005)
            recent = [v for d, v in series if date.fromisoformat(d) >= end - timedelta(days=6)]
            close(f"{tag} recent", summary["recent"], np.mean(recent) if recent else None, 0.005)
            mad = stats.median_abs_deviation(y)
            close(f"{tag} mad", summary["variability"]["mad"], mad, 0.005)
            cv = np.std(y, ddof=1) / abs(np.mean(y)) if len(y) > 1 and np.mean(y) != 0 else None
            close(f"{tag} cv", summary["variability"]["cv"], cv, 0.00005)
            if summary["trend"] is None:
                continue
            close(f"{tag} slope_per_week", summary["trend"]["slope_per_week"], stats.theilslopes(y, x).slope * 7, 0.0005)
            tau = stats.kendalltau(x, y, method="asymptotic")
            close(f"{tag} p_value", summary["trend"]["p_value"], tau.pvalue, 0.000005)
            med = np.median(y)
            ref = sorted(d for d, v in series if mad > 0 and abs(0.6745 * (v - med) / mad) > 3.5)
            ours = sorted(a["date"] for a in summary["anomalies"])
            checks += 1
            if ref != ours:
                failures.append(f"{tag} anomalies: hos {ours} vs reference {ref}")
        for metric in ("sleep_start", "sleep_end"):
            t = p["sleep_timing"].get(metric)
            if t is None:
                continue
            minutes = [int(m[metric][:2]) * 60 + int(m[metric][3:]) for m in days.values() if metric in m]
            close(f"{user} {metric} sd_min", t["sd_min"], stats.circstd(minutes, high=1440, low=0), 0.05)
            ref_mean = stats.circmean(minutes, high=1440, low=0)
            hh, mm = map(int, t["mean"].split(":"))
            diff = (hh * 60 + mm - ref_mean + 720) % 1440 - 720
            close(f"{user} {metric} mean", diff, 0.0, 0.5)
    print(f"stats reference: {checks} checks against numpy {np.__version__} and scipy {__import__('scipy').__version__}, "
          f"{len(failures)} mismatches")
    for f in failures[:20]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug"))
