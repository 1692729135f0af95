#!/usr/bin/env python3
"""Checks hos-behavior's statistics against numpy and scipy on the same records.

Usage: scripts/stats_reference.py BINDIR

Runs `hos-synth | hos-behavior` on synthetic users, then recomputes, for every user and metric,
from the very records the agent read: baseline (numpy.median), recent mean, Theil-Sen slope
(scipy.stats.theilslopes), the Mann-Kendall p-value (scipy.stats.kendalltau against time,
asymptotic), the coefficient of variation (numpy.std ddof=1 / mean), MAD
(scipy.stats.median_abs_deviation), anomalies (modified z-score > 3.5), and the circular mean and
SD of sleep times (scipy.stats.circmean / circstd over 0-1440 minutes).

Then runs `hos-synth | hos-insights --tests FILE` and recomputes every correlation test from the
records: the adjustment (each series less its scipy.stats.theilslopes line over the days, then less
the numpy.median of its weekend or weekday residuals), Spearman's rho and p (scipy.stats.spearmanr),
and the weighted Benjamini-Hochberg q-values (scipy.stats.false_discovery_control on min(1, p / w));
checks the reporting rule (q <= 0.05 and |rho| >= 0.3) and that the reported tests are exactly the
correlation insights. Exits 1 on any mismatch beyond the agents' rounding. `make test` runs it when
python3 has scipy.
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
    insight_checks, insight_failures = check_insights(bindir)
    checks += insight_checks
    failures += insight_failures
    print(f"stats reference: {checks} checks against numpy {np.__version__} and scipy {__import__('scipy').__version__}, "
          f"{len(failures)} mismatches")
    for f in failures[:20]:
        print("  " + f)
    return 1 if failures else 0


def check_insights(bindir):
    """hos-insights' correlation tests against scipy, from the records it read."""
    import os
    import tempfile
    synth = subprocess.run([f"{bindir}/hos-synth", "--users", "12", "--days", "75", "--seed", "11", "--request"],
                           check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        tests_path = os.path.join(tmp, "tests.jsonl")
        out = subprocess.run([f"{bindir}/hos-insights", "--max-insights", "0", "--tests", tests_path],
                             input=synth, check=True, capture_output=True).stdout
        tests = [json.loads(line) for line in open(tests_path)]
    records = defaultdict(dict)
    for line in synth.splitlines():
        e = json.loads(line)
        if e["event_type"] == "health_record":
            records[e["user_id"]][date.fromisoformat(e["payload"]["date"])] = e["payload"]["metrics"]
    checks = 0
    failures = []

    def adjusted(user, metric, start, end):
        days = {d: m[metric] for d, m in records[user].items() if start <= d <= end and metric in m}
        if metric in ("sleep_start", "sleep_end"):
            minutes = {d: int(v[:2]) * 60 + int(v[3:]) for d, v in days.items()}
            centre = stats.circmean(list(minutes.values()), high=1440, low=0)
            days = {d: (v - centre + 720) % 1440 - 720 for d, v in minutes.items()}
        ds = sorted(days)
        x = np.array([(d - start).days for d in ds], dtype=float)
        y = np.array([days[d] for d in ds], dtype=float)
        fit = stats.theilslopes(y, x)
        r = y - (fit.intercept + fit.slope * x)
        weekend = np.array([d.weekday() >= 5 for d in ds])
        if weekend.sum() >= 3 and (~weekend).sum() >= 3:
            r = r - np.where(weekend, np.median(r[weekend]), np.median(r[~weekend]))
        else:
            r = r - np.median(r)
        # As hos-insights: rounded to 6 decimals, so exact ties stay ties.
        r = np.round(r, 6)
        return dict(zip(ds, r))

    def close(what, ours, ref, rel, absolute=0.0):
        nonlocal checks
        checks += 1
        if abs(ours - ref) > max(absolute, rel * abs(ref)) + 1e-12:
            failures.append(f"{what}: hos {ours} vs reference {ref:.6g}")

    by_user = defaultdict(list)
    for t in tests:
        by_user[t["user_id"]].append(t)
    for user, ts in by_user.items():
        end = max(records[user])
        start = end - timedelta(days=89)
        cache = {}
        for t in ts:
            for m in (t["x"], t["y"]):
                if m not in cache:
                    cache[m] = adjusted(user, m, start, end)
            lag = timedelta(days=t["lag_days"])
            xs, ys = [], []
            for d in sorted(cache[t["x"]]):
                if d + lag in cache[t["y"]]:
                    xs.append(cache[t["x"]][d])
                    ys.append(cache[t["y"]][d + lag])
            tag = f"{user} {t['x']}->{t['y']} lag {t['lag_days']}"
            close(f"{tag} n", t["n"], len(xs), 0)
            r = stats.spearmanr(xs, ys)
            close(f"{tag} rho", t["rho"], r.statistic, 0, 5e-6)
            close(f"{tag} p", t["p_value"], r.pvalue, 1e-3, 1e-300)
        # Weighted Benjamini-Hochberg over the user's tests: weights average 1, two values in ratio 4 : 1.
        w = np.array([t["weight"] for t in ts])
        close(f"{user} mean weight", float(w.mean()), 1.0, 1e-5)
        if len(set(np.round(w, 4))) == 2:
            close(f"{user} weight ratio", float(w.max() / w.min()), 4.0, 1e-4)
        p = np.array([t["p_value"] for t in ts])
        q = stats.false_discovery_control(np.minimum(1, p / w))
        for t, qi in zip(ts, q):
            close(f"{user} {t['x']}->{t['y']} lag {t['lag_days']} q", t["q_value"], qi, 2e-3)
            checks += 1
            if t["reported"] != (t["q_value"] <= 0.05 and abs(t["rho"]) >= 0.3):
                failures.append(f"{user} {t['x']}->{t['y']}: reported {t['reported']} against the rule")
    reported = sorted(f"{t['user_id']} correlation:{t['x']}:{t['y']}:{t['lag_days']}" for t in tests if t["reported"])
    insights = sorted(f"{e['user_id']} {e['payload']['subject']}" for e in map(json.loads, out.splitlines())
                      if e["event_type"] == "insight" and e["payload"]["kind"] == "correlation")
    checks += 1
    if reported != insights:
        failures.append(f"reported tests {len(reported)} differ from correlation insights {len(insights)}")
    print(f"stats reference: hos-insights, {len(tests)} correlation tests of {len(by_user)} users, "
          f"{sum(t['reported'] for t in tests)} reported")
    return checks, failures


# --- hos-adapt: Beta posteriors against scipy.stats.beta (a separate block; it wraps main, touching nothing else).
def check_adapt(bindir):
    """hos-adapt's Beta math: mean, variance, distribution function and p_best against scipy.stats.beta and
    scipy.integrate.quad, and 20,000 seeded draws per arm against the exact moments and a KS test."""
    from scipy import integrate
    cases = [[(3.5, 2.5), (1, 1)], [(12, 4), (8, 8), (5, 9)], [(40.5, 12.5), (20, 30)], [(0.5, 0.5), (2, 5)],
             [(101, 51), (95, 60), (3, 3)], [(1.2, 30), (2.5, 7.25), (300, 120)]]
    n = 20000
    checks, failures = 0, []
    for k, arms in enumerate(cases):
        args = [f"{bindir}/hos-adapt", "posterior", "--draws", str(n), "--seed", str(k + 1)]
        for i, (a, b) in enumerate(arms):
            args += ["--arm", f"x{i}={a},{b}"]
        out = json.loads(subprocess.run(args, check=True, capture_output=True).stdout)
        for i, ((a, b), arm) in enumerate(zip(arms, out["arms"])):
            tag = f"Beta({a}, {b})"
            mean, var, skew = (float(v) for v in stats.beta.stats(a, b, moments="mvs"))
            for what, ours, ref in [("mean", arm["mean"], mean), ("variance", arm["variance"], var)] + [
                    (f"cdf({x})", arm["cdf"][x], stats.beta.cdf(float(x), a, b)) for x in arm["cdf"]]:
                checks += 1
                if abs(ours - ref) > 1e-9:
                    failures.append(f"hos-adapt {tag} {what}: {ours} vs scipy {ref:.10g}")
            if min(p for q in arms for p in q) >= 1:
                def integrand(x, i=i):
                    v = stats.beta.pdf(x, *arms[i])
                    for j, (c, d) in enumerate(arms):
                        if j != i:
                            v *= stats.beta.cdf(x, c, d)
                    return v
                ref = integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-11, limit=1000)[0]
                checks += 1
                if abs(arm["p_best"] - ref) > 1e-7:
                    failures.append(f"hos-adapt p_best of {tag} among {arms}: {arm['p_best']} vs quad {ref:.10g}")
            x = np.array(out["draws"][arm["arm"]])
            # The sample mean within 4.5 standard errors; the sample variance within 4.5 of its standard error
            # (from the fourth central moment); the sample skewness within 4.5 of sqrt(6/n) × a safety factor.
            kurt = float(stats.beta.stats(a, b, moments="k")) + 3
            checks += 4
            if abs(x.mean() - mean) > 4.5 * np.sqrt(var / n):
                failures.append(f"hos-adapt draws of {tag}: mean {x.mean():.6g} vs {mean:.6g}")
            if abs(x.var(ddof=1) - var) > 4.5 * np.sqrt((kurt - 1) * var * var / n):
                failures.append(f"hos-adapt draws of {tag}: variance {x.var(ddof=1):.6g} vs {var:.6g}")
            if abs(stats.skew(x) - skew) > 4.5 * np.sqrt(6 / n) * max(1, kurt / 3):
                failures.append(f"hos-adapt draws of {tag}: skewness {stats.skew(x):.4g} vs {skew:.4g}")
            ks = stats.kstest(x, "beta", args=(a, b))
            if ks.pvalue < 1e-4:
                failures.append(f"hos-adapt draws of {tag}: KS p-value {ks.pvalue:.3g}")
    print(f"stats reference: hos-adapt, {checks} checks of Beta posteriors and seeded draws, {len(failures)} mismatches")
    for f in failures[:20]:
        print("  " + f)
    return 1 if failures else 0


_main_without_adapt = main


def main(bindir):  # noqa: F811 -- the checks above run after the others
    status = _main_without_adapt(bindir)
    return check_adapt(bindir) or status
# --- end of hos-adapt's block.


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug"))
