#!/usr/bin/env python3
"""make eval-learning: does hos-adapt learn? Simulated users answer weekly plans through the real pipeline.

Usage: scripts/eval_learning.py [BINDIR] [--users N] [--cycles C] [--seed S] [--out DIR] [--work DIR]
                                [--families F,...] [--pipeline YAML]

hos-synth generates N users (all six archetypes) with hidden preferences (`--truth`: preferred exercise
time, sleep-shift style, intensity capacity, adherence by weekday). For each policy -- thompson (hos-adapt
as shipped), random (each arm with equal probability) and oracle (the preferred arms, difficulty toward
the intensity capacity, read from the truth file) -- one memory file lives through C weekly cycles. Cycle c:

    last 30 days of records + last week's plan_feedback + one analysis_request per user
      | hos-behavior | hos-memory | hos-nutrition | hos-routine [| hos-insights] | hos-adapt --policy P
    hos-synth respond --days 7   (each simulated user answers the cycle's routine_plan, day by day)

hos-insights joins the pipe when it runs (it is being built in parallel). A decision of cycle c shapes the
plan of cycle c + 1 (hos-memory, upstream of the planners, carries it), so every policy's cycle-1 plan is
the archetype's default. Adherence of a cycle = mean feedback score (completed 1, partial 0.5, skipped 0)
of that cycle's plan: over the adapted items (those carrying a strategy variant: the exercise and sleep
blocks, what the experiments choose) and over all items. The respond stage seeds each answer by user,
plan, item and day, and a plan's id depends on the user and analysis only, so the policies face the same
random numbers wherever their plans agree.

Targets (issue 7), on the adapted items from cycle 8 on: thompson within 10 points of the oracle and at least
15 points above random, on the mean of cycles 8-C (the exit status); the worst single cycle is printed too. Prints the per-cycle table, whether the targets hold, the coverage
of hos-adapt's 90% prediction intervals, and `hos-adapt evaluate` (IPS) on the random policy's log;
writes DIR/learning-curve.svg and DIR/learning.json (default DIR: docs/learning). Standard library only.

Population families (issue 19; --families, default all five), each through the same loop and the same three
policies, reported on the exercise items (those with an exercise_time variant: the exercise or walk block):

    archetype    today's users above (hos-synth's hidden preferences; intensity capacity from the archetype)
    independent  a preferred exercise window (morning, midday, evening) and an intensity tolerance (2, 3, 4)
                 drawn independently of the archetype; `hos-synth respond --preferences` answers with the
                 window model: an exercise item 0.85 inside the window, 0.25 outside, x 0.4 when its intensity
                 exceeds the tolerance; other items 0.7
    moving       as independent, but every user's window moves to another one from the plan of week 5 on
    mixed        as independent, users in turn: never answer, always complete, answer half the item-days, normal
    talking      as independent (the same users), but half the skips say why (`hos-synth respond --reasons 0.5`):
                 wrong_time outside the window, else too_hard above the tolerance, else no_time
    weekly       as independent (the same users), but each plan item is answered once a week, not day by day
                 (`hos-synth respond --once`): one bit per item and week, as a user who reports per item

For each family and week: exercise-item adherence of thompson, random and oracle (the mean feedback score; for
the mixed family the expected adherence under the window model, so users who never answer are measured too),
and the share of thompson's exercise items at a tolerable intensity (at most the tolerance or capacity).
Targets (issue 19), weeks 8-12: independent >= 0.70, archetype not below today's, moving weeks 10-12 >= 0.65,
mixed: never-answering users no worse than random, difficulty in 1-5 without runaway.
"""
import argparse
import random
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta

POLICIES = ["thompson", "random", "oracle"]
FAMILIES = ["archetype", "independent", "moving", "mixed", "talking", "weekly"]
# The share of skips that say why in the talking family.
TALKING_REASONS = 0.5
WINDOWS = ["morning", "midday", "evening"]
RESPONDERS = ["never", "always", "half", "normal"]
MOVE_WEEK = 5
# Family archetype's exercise-item adherence over weeks 8-12 before issue 19 (seed 42, 120 users).
ARCHETYPE_TODAY = 0.703


def run(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def score(status):
    return {"completed": 1.0, "partial": 0.5}.get(status, 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bindir", nargs="?", default=".build/release")
    ap.add_argument("--users", type=int, default=120)
    ap.add_argument("--cycles", type=int, default=12)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2026-01-05")
    ap.add_argument("--out", default="docs/learning")
    ap.add_argument("--work", default=None, help="keep the memory files and streams here")
    ap.add_argument("--explore", type=float, default=None, help="hos-adapt --explore (default: hos-adapt's own)")
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated population families")
    ap.add_argument("--pipeline", default=None,
                    help="run hos-adapt's own loop (thompson) through `hos-run PIPELINE --output-mode all` "
                         "(e.g. examples/pipelines/full-analysis.yaml) instead of the explicit pipe")
    args = ap.parse_args()
    bindir = os.path.abspath(args.bindir)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    env.pop("HOS_MEMORY", None)
    for tool in ["hos-synth", "hos-behavior", "hos-memory", "hos-nutrition", "hos-routine", "hos-adapt"]:
        if not os.access(os.path.join(bindir, tool), os.X_OK):
            sys.exit(f"eval-learning: {bindir}/{tool} not found (build first)")
    work = args.work or tempfile.mkdtemp(prefix="hos-eval-learning-")
    os.makedirs(work, exist_ok=True)
    insights = subprocess.run("hos-insights < /dev/null", shell=True, env=env, capture_output=True).returncode == 0
    started = time.time()

    # The users: profiles and records for 30 days before the first plan and every cycle's week.
    days = 30 + 7 * args.cycles
    truth_path = os.path.join(work, "truth.json")
    synth = run(f"hos-synth --users {args.users} --days {days} --seed {args.seed} --start {args.start} "
                f"--truth {truth_path}", env=env, capture_output=True).stdout.decode().splitlines()
    truth = {u["user_id"]: u for u in json.load(open(truth_path))["users"]}
    profiles, records = {}, defaultdict(list)
    for line in synth:
        e = json.loads(line)
        if e["event_type"] == "user_profile":
            profiles[e["user_id"]] = line
        elif e["event_type"] == "health_record":
            records[e["user_id"]].append((e["payload"]["date"], line))
    users = sorted(truth)
    start = date.fromisoformat(args.start)

    families = [f for f in args.families.split(",") if f]
    for f in families:
        if f not in FAMILIES:
            sys.exit(f"eval-learning: unknown family {f} (one of {', '.join(FAMILIES)})")
    ctx = {"args": args, "env": env, "work": work, "truth": truth, "truth_path": truth_path, "profiles": profiles,
           "records": records, "users": users, "start": start, "insights": insights}
    family_results = {f: run_family(f, ctx) for f in families}
    results = family_results.get("archetype")

    elapsed = time.time() - started
    print(f"eval-learning: {args.users} simulated users, {args.cycles} weekly cycles, seed {args.seed}; "
          f"pipeline hos-behavior | hos-memory | hos-nutrition | hos-routine"
          + (" | hos-insights" if insights else " (hos-insights not available: left out)")
          + f" | hos-adapt; families {', '.join(families)}; {elapsed:.0f} s")
    print()
    summary = {"users": args.users, "cycles": args.cycles, "seed": args.seed, "insights": insights}
    ok = True
    if results:
        part, ok = report_archetype(results, args, env)
        summary.update(part)
        print()
    part, fam_ok = report_families(family_results, args)
    summary["families"] = part
    ok = ok and fam_ok
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "learning.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    written = ["learning.json"]
    if results:
        with open(os.path.join(args.out, "learning-curve.svg"), "w") as f:
            f.write(svg(results, args))
        written.append("learning-curve.svg")
    with open(os.path.join(args.out, "learning-families.svg"), "w") as f:
        f.write(families_svg(family_results, args))
    written.append("learning-families.svg")
    print(f"\nwrote {', '.join(args.out + '/' + w for w in written)}" + (f"; work files in {work}" if args.work else ""))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def report_archetype(results, args, env):
    """Issue 7's report on today's family: adapted and all items, hit rate, interval coverage, IPS."""
    # IPS: the random policy's log (uniform propensities) evaluates the other policies off-line.
    ips = run(f"hos-adapt evaluate --memory {results['random']['memory']} --target logged greedy thompson "
              f"arm:morning arm:midday arm:evening arm:gradual arm:direct", env=env,
              capture_output=True).stdout.decode().splitlines()
    ips = [json.loads(l) for l in ips]
    ips = [e for e in ips if not e["policy"].startswith("arm:")
           or (e["policy"][4:] in {"gradual", "direct"}) == (e["dimension"] == "sleep_shift")]

    # The table and the targets.
    print("family archetype (today's simulated users)")
    print("adherence (mean feedback score) of each cycle's plan: adapted items (exercise and sleep blocks) | all items")
    print(f"{'cycle':>5} {'plan date':>11}   {'thompson':>8} {'random':>8} {'oracle':>8}   "
          f"{'thompson':>8} {'random':>8} {'oracle':>8}   {'hit rate*':>9}")
    for i in range(args.cycles):
        row = [results[p]["cycles"][i] for p in POLICIES]
        share = row[0]["preferred_arm_share"]
        hit = sum(share.values()) / len(share) if share else 0
        print(f"{i + 1:>5} {row[0]['plan_date']:>11}   "
              + " ".join(f"{r['adapted']:8.3f}" for r in row) + "   "
              + " ".join(f"{r['all']:8.3f}" for r in row) + f"   {hit:9.3f}")
    print("* share of thompson's adapted items whose arm is the user's hidden preference (mean of the two dimensions)")
    late = range(7, args.cycles)
    gaps = [(results["oracle"]["cycles"][i]["adapted"] - results["thompson"]["cycles"][i]["adapted"],
             results["thompson"]["cycles"][i]["adapted"] - results["random"]["cycles"][i]["adapted"]) for i in late]
    below, above = mean([g[0] for g in gaps]), mean([g[1] for g in gaps])
    near, over = below <= 0.10, above >= 0.15
    print()
    print(f"cycles 8-{args.cycles}, mean: oracle - thompson {100 * below:.1f} points (target <= 10: "
          f"{'met' if near else 'NOT MET'}); thompson - random {100 * above:.1f} points (target >= 15: "
          f"{'met' if over else 'NOT MET'})")
    print(f"cycles 8-{args.cycles}, each: oracle - thompson at most {100 * max(g[0] for g in gaps):.1f} points "
          f"({'all' if all(g[0] <= 0.10 for g in gaps) else 'not all'} <= 10); thompson - random at least "
          f"{100 * min(g[1] for g in gaps):.1f} points ({'all' if all(g[1] >= 0.15 for g in gaps) else 'not all'} >= 15)")
    cov = [c["interval_coverage"] for c in results["thompson"]["cycles"] if c["interval_coverage"] is not None]
    print(f"thompson's 90% prediction intervals held the user's next-plan adherence in {100 * mean(cov):.1f}% of "
          f"user-cycles (cycles 2-{args.cycles})")
    print()
    print("off-line evaluation (hos-adapt evaluate) on the random policy's log, per dimension: IPS [95% CI]")
    for e in ips:
        ci = e["ci95"]
        print(f"  {e['dimension']:13s} {e['policy']:12s} n={e['n']:5d}  ips {e['ips']:.3f} "
              f"[{ci[0]:.3f}, {ci[1]:.3f}]  snips {e['snips']:.3f}")

    return {"policies": {p: results[p]["cycles"] for p in POLICIES}, "ips_on_random_log": ips,
            "targets": {"mean_cycles_8_on": {"oracle_minus_thompson": round(below, 4),
                                             "thompson_minus_random": round(above, 4),
                                             "within_10_of_oracle": near, "at_least_15_above_random": over},
                        "each_cycle_8_on": {"largest_oracle_minus_thompson": round(max(g[0] for g in gaps), 4),
                                            "smallest_thompson_minus_random": round(min(g[1] for g in gaps), 4)}}}, near and over


def window_population(users, truth, family, seed, move_on):
    """The users of a window family: window and tolerance drawn independently of the archetype."""
    rng = random.Random(f"eval-learning-{seed}")
    out = {}
    for i, u in enumerate(users):
        prefs = {"exercise_time": rng.choice(WINDOWS), "intensity_capacity": rng.choice([2, 3, 4]),
                 "sleep_shift": "gradual"}
        moved = rng.choice([w for w in WINDOWS if w != prefs["exercise_time"]])
        if family == "moving":
            prefs["moves_on"], prefs["moved_exercise_time"] = move_on, moved
        if family == "mixed":
            prefs["responder"] = RESPONDERS[i % len(RESPONDERS)]
        out[u] = prefs
    return out


def window_on(prefs, day):
    """The preferred window of a window-family user for a plan of this date (ISO text)."""
    if "moves_on" in prefs and day >= prefs["moves_on"]:
        return prefs["moved_exercise_time"]
    return prefs["exercise_time"]


def window_probability(prefs, item, day):
    """The window model of `hos-synth respond --preferences` for an exercise item (the expected score)."""
    p = 0.85 if item["variant"]["exercise_time"] == window_on(prefs, day) else 0.25
    return p * (0.4 if item.get("intensity", 0) > prefs["intensity_capacity"] else 1)


def write_truth(path, users, prefs, day):
    """A --truth file for the oracle: each user's window on the plan date its decision shapes."""
    with open(path, "w") as f:
        json.dump({"users": [{"user_id": u, "preferences": dict(prefs[u], exercise_time=window_on(prefs[u], day))}
                             for u in users]}, f)


def run_family(family, ctx):
    """The three policies through C weekly cycles on one population family; per-cycle figures."""
    args, env, users, truth = ctx["args"], ctx["env"], ctx["users"], ctx["truth"]
    start = ctx["start"]
    def plan_date(c):
        return (start + timedelta(days=30 + 7 * (c - 1))).isoformat()
    prefs = None
    fdir = os.path.join(ctx["work"], family)
    os.makedirs(fdir, exist_ok=True)
    respond_flag = ""
    if family != "archetype":
        prefs = window_population(users, truth, family, args.seed, plan_date(MOVE_WEEK))
        pref_path = os.path.join(fdir, "preferences.json")
        with open(pref_path, "w") as f:
            json.dump({"users": [{"user_id": u, "preferences": prefs[u]} for u in users]}, f)
        respond_flag = f" --preferences {pref_path}"
        if family == "talking":
            respond_flag += f" --reasons {TALKING_REASONS}"
        if family == "weekly":
            respond_flag += " --once"
    results = {}
    for policy in POLICIES:
        pdir = os.path.join(fdir, policy)
        shutil.rmtree(pdir, ignore_errors=True)
        os.makedirs(pdir)
        memory = os.path.join(pdir, "memory.sqlite")
        feedback = defaultdict(list)
        cycles = []
        predictions = {}
        for c in range(1, args.cycles + 1):
            as_of = start + timedelta(days=29 + 7 * (c - 1))
            first = (as_of - timedelta(days=29)).isoformat()
            lines = []
            for u in users:
                arch = truth[u]["archetype"]
                lines.append(ctx["profiles"][u])
                lines += [l for d, l in ctx["records"][u] if first <= d <= as_of.isoformat()]
                lines += feedback[u]
                rid = f"eval-{u}-c{c:02d}"
                lines.append(json.dumps({
                    "event_id": rid, "event_type": "analysis_request", "user_id": u, "archetype": arch,
                    "analysis_id": "a-" + rid, "timestamp": (as_of + timedelta(days=1)).isoformat() + "T00:00:00Z",
                    "source_agent": "eval-learning",
                    "payload": {"analysis_id": "a-" + rid, "archetype": arch, "as_of": as_of.isoformat(),
                                "window_days": 30}}, sort_keys=True, separators=(",", ":")))
            inp, out, fb = (os.path.join(pdir, f"{n}-{c:02d}.jsonl") for n in ("in", "out", "feedback"))
            with open(inp, "w") as f:
                f.write("\n".join(lines) + "\n")
            truth_flag = ""
            if policy == "oracle":
                truth_file = ctx["truth_path"]
                if prefs is not None:
                    # The decision of cycle c shapes the plan of cycle c + 1.
                    truth_file = os.path.join(pdir, f"truth-{c:02d}.json")
                    write_truth(truth_file, users, prefs, plan_date(c + 1))
                truth_flag = f" --truth {truth_file}"
            if args.explore is not None:
                truth_flag += f" --explore {args.explore}"
            pipe = (f"hos-behavior {inp} | hos-memory --memory {memory} | hos-nutrition | hos-routine"
                    + (" | hos-insights" if ctx["insights"] else "")
                    + f" | hos-adapt --memory {memory} --policy {policy} --seed {args.seed}{truth_flag} > {out}")
            if args.pipeline and policy == "thompson":
                pipe = (f"hos-run run {args.pipeline} -i {inp} --memory {memory} --output-mode all "
                        f"--progress none > {out}")
            run(pipe, env=env)
            run(f"hos-synth respond --seed {args.seed} --days 7{respond_flag} {out} > {fb}", env=env)
            cycle, feedback = measure(c, out, fb, truth, prefs, users, predictions)
            cycle["plan_date"] = plan_date(c)
            cycles.append(cycle)
            print(f"  {family:11s} {policy:8s} cycle {c:2d}: exercise {cycle['exercise']:.3f}  "
                  f"tolerable {cycle['tolerable']:.3f}  all {cycle['all']:.3f}", file=sys.stderr)
        results[policy] = {"cycles": cycles, "memory": memory}
    return results


def measure(c, out, fb, truth, prefs, users, predictions):
    """One cycle's figures from the pipeline's output and the users' answers; the feedback to send next."""
    items, adapted, exercise, difficulty = {}, set(), set(), {}
    for line in open(out):
        e = json.loads(line)
        if e["event_type"] == "routine_plan":
            difficulty[e["user_id"]] = e["payload"].get("difficulty")
            for it in e["payload"]["items"]:
                key = (e["user_id"], e["payload"]["plan_id"], it["item_id"], e["payload"]["date"])
                items[key[:3]] = (it, key[3])
                if it.get("variant"):
                    adapted.add(key[:3])
                if "exercise_time" in it.get("variant", {}):
                    exercise.add(key[:3])
        elif e["event_type"] == "adaptation":
            predictions[(e["user_id"], c + 1)] = e["payload"]["predicted_adherence"]
    feedback = defaultdict(list)
    tally = {"adapted": [0.0, 0], "all": [0.0, 0], "exercise": [0.0, 0]}
    per_user = defaultdict(lambda: [0.0, 0])
    for line in open(fb):
        e = json.loads(line)
        feedback[e["user_id"]].append(line.rstrip("\n"))
        p = e["payload"]
        key = (e["user_id"], p["plan_id"], p["item_id"])
        s = score(p["status"])
        per_user[e["user_id"]][0] += s
        per_user[e["user_id"]][1] += 1
        for name, keys in (("all", None), ("adapted", adapted), ("exercise", exercise)):
            if keys is None or key in keys:
                tally[name][0] += s
                tally[name][1] += 1
    arms = defaultdict(lambda: [0, 0])
    tolerable, in_window, latent = [], [], defaultdict(list)
    for key in exercise:
        it, day = items[key]
        # An item counts once per day it is for (a plan's schedule gives its arms some of the 7 days each).
        w = len(it.get("days") or []) or 7
        if prefs is None:
            tolerable += [it.get("intensity", 0) <= truth[key[0]]["preferences"]["intensity_capacity"]] * w
            in_window += [it["variant"]["exercise_time"] == truth[key[0]]["preferences"]["exercise_time"]] * w
        else:
            p = prefs[key[0]]
            tolerable += [it.get("intensity", 0) <= p["intensity_capacity"]] * w
            in_window += [it["variant"]["exercise_time"] == window_on(p, day)] * w
            latent[p.get("responder", "normal")] += [window_probability(p, it, day)] * w
    if prefs is None:
        for key in adapted:
            it, _ = items[key]
            for dim, arm in it["variant"].items():
                arms[dim][0] += arm == truth[key[0]]["preferences"][dim]
                arms[dim][1] += 1
    covered = [lo <= per_user[u][0] / per_user[u][1] <= hi
               for u in users if (u, c) in predictions and per_user[u][1]
               for lo, hi in [(predictions[(u, c)]["low"], predictions[(u, c)]["high"])]]
    levels = defaultdict(list)
    for u, d in difficulty.items():
        if d is not None:
            levels[prefs[u].get("responder", "normal") if prefs else "normal"].append(d)
    cycle = {
        "cycle": c,
        "adapted": tally["adapted"][0] / max(1, tally["adapted"][1]),
        "all": tally["all"][0] / max(1, tally["all"][1]),
        "exercise": tally["exercise"][0] / max(1, tally["exercise"][1]),
        "feedback": tally["all"][1],
        "tolerable": mean(tolerable) if tolerable else 0.0,
        "in_window": mean(in_window) if in_window else 0.0,
        "preferred_arm_share": {d: a[0] / a[1] for d, a in arms.items() if a[1]},
        "interval_coverage": sum(covered) / len(covered) if covered else None,
        "difficulty": {g: {"mean": round(mean(v), 3), "max": max(v)} for g, v in levels.items()},
    }
    if latent:
        cycle["expected"] = {g: mean(v) for g, v in latent.items()}
        cycle["expected"]["all"] = mean([x for v in latent.values() for x in v])
    return cycle, feedback


def headline(family, cycle):
    """The figure a family is judged on: feedback adherence, or the expected adherence for the mixed family."""
    return cycle["expected"]["all"] if family == "mixed" else cycle["exercise"]


def report_families(family_results, args):
    """Issue 19's report: exercise-item adherence per week, family by family, and the targets."""
    out, ok = {}, True
    late = range(7, args.cycles)
    for family, results in family_results.items():
        what = "expected adherence under the window model" if family == "mixed" else "adherence (feedback)"
        print(f"family {family}: exercise items, {what} | thompson: tolerable intensity, preferred window, difficulty")
        print(f"{'week':>4} {'plan date':>11}   {'thompson':>8} {'random':>8} {'oracle':>8}   "
              f"{'tolerable':>9} {'window':>7} {'diff':>5}")
        for i in range(args.cycles):
            row = [results[p]["cycles"][i] for p in POLICIES]
            t = row[0]
            d = [v["mean"] for v in t["difficulty"].values()]
            print(f"{i + 1:>4} {t['plan_date']:>11}   " + " ".join(f"{headline(family, r):8.3f}" for r in row)
                  + f"   {t['tolerable']:9.3f} {t['in_window']:7.3f} {mean(d):5.2f}")
        weeks = {p: mean([headline(family, results[p]["cycles"][i]) for i in late]) for p in POLICIES}
        tol = mean([results["thompson"]["cycles"][i]["tolerable"] for i in late])
        entry = {"weeks_8_on": {p: round(v, 4) for p, v in weeks.items()}, "tolerable_weeks_8_on": round(tol, 4),
                 "policies": {p: results[p]["cycles"] for p in POLICIES}}
        line = (f"weeks 8-{args.cycles}: thompson {weeks['thompson']:.3f}, random {weeks['random']:.3f}, "
                f"oracle {weeks['oracle']:.3f}; tolerable intensity {tol:.3f}")
        if family == "independent":
            met = weeks["thompson"] >= 0.70
            line += f"; target >= 0.70: {'met' if met else 'NOT MET'}"
            entry["target_met"] = met
        elif family == "archetype":
            met = weeks["thompson"] >= ARCHETYPE_TODAY
            line += f"; target not below today's {ARCHETYPE_TODAY:.3f}: {'met' if met else 'NOT MET'}"
            entry["target_met"] = met
        elif family == "moving":
            w = {p: mean([headline(family, results[p]["cycles"][i]) for i in range(9, args.cycles)]) for p in POLICIES}
            met = w["thompson"] >= 0.65
            line += (f"; weeks 10-{args.cycles}: thompson {w['thompson']:.3f}, random {w['random']:.3f}, "
                     f"oracle {w['oracle']:.3f}; target >= 0.65: {'met' if met else 'NOT MET'}")
            entry["weeks_10_on"], entry["target_met"] = {p: round(v, 4) for p, v in w.items()}, met
        elif family == "mixed":
            groups = {}
            for g in RESPONDERS:
                groups[g] = {p: round(mean([results[p]["cycles"][i]["expected"].get(g, float("nan")) for i in late]), 4)
                             for p in POLICIES}
            top = max(v["max"] for i in range(args.cycles) for v in results["thompson"]["cycles"][i]["difficulty"].values())
            met = groups["never"]["thompson"] >= groups["never"]["random"] - 0.02 and top <= 5
            line += "; by responder (thompson / random / oracle): " + ", ".join(
                f"{g} {v['thompson']:.3f}/{v['random']:.3f}/{v['oracle']:.3f}" for g, v in groups.items())
            line += (f"; highest difficulty {top}; target (never-answering users no worse than random, "
                     f"within 2 points; no runaway): {'met' if met else 'NOT MET'}")
            entry["responders"], entry["highest_difficulty"], entry["target_met"] = groups, top, met
        elif family in ("talking", "weekly") and "independent" in family_results:
            base = mean([headline(family, family_results["independent"]["thompson"]["cycles"][i]) for i in late])
            line += f"; the same users saying nothing (independent): thompson {base:.3f}"
            entry["independent_thompson_weeks_8_on"] = round(base, 4)
        ok = ok and entry.get("target_met", True)
        print(line)
        print()
        out[family] = entry
    return out, ok


def families_svg(family_results, args):
    """One panel per family: thompson, random and oracle on the exercise items, hand-written SVG."""
    pw, ph, gap, left, top = 330, 200, 60, 56, 50
    n = len(family_results)
    w, h = left + n * (pw + gap), top + ph + 70
    colors = {"thompson": "#1f77b4", "random": "#d62728", "oracle": "#2ca02c"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="sans-serif" font-size="12">', f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">Exercise-item adherence per week, by population '
           f'family ({args.users} simulated users; blue hos-adapt, red random, green oracle)</text>']
    for k, (family, results) in enumerate(family_results.items()):
        x0 = left + k * (pw + gap)
        def x(c):
            return x0 + pw * (c - 1) / max(1, args.cycles - 1)
        def y(v):
            return top + ph * (1 - v)
        out.append(f'<text x="{x0}" y="{top - 8}" font-weight="bold">{family}</text>')
        for t in (0, 0.25, 0.5, 0.75, 1):
            out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{x0 - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.2f}</text>')
        for c in range(1, args.cycles + 1, 2):
            out.append(f'<text x="{x(c):.1f}" y="{top + ph + 16}" text-anchor="middle">{c}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top + ph + 34}" text-anchor="middle">week</text>')
        for p in POLICIES:
            pts = " ".join(f"{x(c['cycle']):.1f},{y(headline(family, c)):.1f}" for c in results[p]["cycles"])
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colors[p]}" stroke-width="2"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def svg(results, args):
    """The three learning curves (adapted items), hand-written SVG."""
    w, h, left, right, top, bottom = 780, 420, 64, 200, 40, 56
    pw, ph = w - left - right, h - top - bottom
    values = [c["adapted"] for p in POLICIES for c in results[p]["cycles"]]
    lo = max(0.0, (int(min(values) * 10) - 1) / 10)
    hi = min(1.0, (int(max(values) * 10) + 1) / 10)
    def x(c):
        return left + pw * (c - 1) / max(1, args.cycles - 1)
    def y(v):
        return top + ph * (hi - v) / (hi - lo)
    colors = {"thompson": "#1f77b4", "random": "#d62728", "oracle": "#2ca02c"}
    names = {"thompson": "hos-adapt (Thompson)", "random": "random arm", "oracle": "oracle"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">Adherence of the adapted items per weekly cycle '
           f'({args.users} simulated users)</text>']
    t = lo
    while t <= hi + 1e-9:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.1f}</text>')
        t += 0.1
    for c in range(1, args.cycles + 1):
        out.append(f'<text x="{x(c):.1f}" y="{top + ph + 18}" text-anchor="middle">{c}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 14}" text-anchor="middle">cycle (week)</text>')
    out.append(f'<rect x="{x(8):.1f}" y="{top}" width="{x(args.cycles) - x(8):.1f}" height="{ph}" fill="#f4f4f4" '
               'opacity="0.6"/>' if args.cycles >= 8 else "")
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="black"/>')
    for i, p in enumerate(POLICIES):
        pts = " ".join(f"{x(c['cycle']):.1f},{y(c['adapted']):.1f}" for c in results[p]["cycles"])
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colors[p]}" stroke-width="2.5"/>')
        for c in results[p]["cycles"]:
            out.append(f'<circle cx="{x(c["cycle"]):.1f}" cy="{y(c["adapted"]):.1f}" r="3" fill="{colors[p]}"/>')
        ly = top + 20 + 22 * i
        out.append(f'<line x1="{left + pw + 14}" x2="{left + pw + 38}" y1="{ly}" y2="{ly}" stroke="{colors[p]}" stroke-width="2.5"/>')
        out.append(f'<text x="{left + pw + 44}" y="{ly + 4}">{names[p]}</text>')
    out.append(f'<text x="{left + pw + 14}" y="{top + 100}" fill="#555">shaded: the target</text>')
    out.append(f'<text x="{left + pw + 14}" y="{top + 116}" fill="#555">cycles (8 on)</text>')
    out.append("</svg>")
    return "\n".join(o for o in out if o) + "\n"


if __name__ == "__main__":
    sys.exit(main())
