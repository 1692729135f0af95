#!/usr/bin/env python3
"""make eval-learning: does hos-adapt learn? Simulated users answer weekly plans through the real pipeline.

Usage: scripts/eval_learning.py [BINDIR] [--users N] [--cycles C] [--seed S] [--out DIR] [--work DIR]

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
"""
import argparse
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

    results = {}
    for policy in POLICIES:
        pdir = os.path.join(work, policy)
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
                lines.append(profiles[u])
                lines += [l for d, l in records[u] if first <= d <= as_of.isoformat()]
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
            truth_flag = f" --truth {truth_path}" if policy == "oracle" else ""
            if args.explore is not None:
                truth_flag += f" --explore {args.explore}"
            pipe = (f"hos-behavior {inp} | hos-memory --memory {memory} | hos-nutrition | hos-routine"
                    + (" | hos-insights" if insights else "")
                    + f" | hos-adapt --memory {memory} --policy {policy} --seed {args.seed}{truth_flag} > {out}")
            run(pipe, env=env)
            run(f"hos-synth respond --seed {args.seed} --days 7 {out} > {fb}", env=env)

            items, adapted = {}, set()
            for line in open(out):
                e = json.loads(line)
                if e["event_type"] == "routine_plan":
                    for it in e["payload"]["items"]:
                        key = (e["user_id"], e["payload"]["plan_id"], it["item_id"])
                        items[key] = it
                        if it.get("variant"):
                            adapted.add(key)
                elif e["event_type"] == "adaptation":
                    predictions[(e["user_id"], c + 1)] = e["payload"]["predicted_adherence"]
            feedback = defaultdict(list)
            tally = {"adapted": [0.0, 0], "all": [0.0, 0]}
            per_user = defaultdict(lambda: [0.0, 0])
            arms = defaultdict(lambda: [0, 0])
            for line in open(fb):
                e = json.loads(line)
                feedback[e["user_id"]].append(line.rstrip("\n"))
                p = e["payload"]
                key = (e["user_id"], p["plan_id"], p["item_id"])
                s = score(p["status"])
                tally["all"][0] += s
                tally["all"][1] += 1
                per_user[e["user_id"]][0] += s
                per_user[e["user_id"]][1] += 1
                if key in adapted:
                    tally["adapted"][0] += s
                    tally["adapted"][1] += 1
            for key in adapted:
                if key[2] == "exercise" or key[2] == "walk" or key[2] == "sleep":
                    for dim, arm in items[key]["variant"].items():
                        preferred = truth[key[0]]["preferences"][dim]
                        arms[dim][0] += arm == preferred
                        arms[dim][1] += 1
            covered = [lo <= per_user[u][0] / per_user[u][1] <= hi
                       for u in users if (u, c) in predictions and per_user[u][1]
                       for lo, hi in [(predictions[(u, c)]["low"], predictions[(u, c)]["high"])]]
            cycles.append({
                "cycle": c, "plan_date": (as_of + timedelta(days=1)).isoformat(),
                "adapted": tally["adapted"][0] / max(1, tally["adapted"][1]),
                "all": tally["all"][0] / max(1, tally["all"][1]),
                "feedback": tally["all"][1],
                "preferred_arm_share": {d: a[0] / a[1] for d, a in arms.items() if a[1]},
                "interval_coverage": sum(covered) / len(covered) if covered else None,
            })
            print(f"  {policy:8s} cycle {c:2d}: adapted {cycles[-1]['adapted']:.3f}  all {cycles[-1]['all']:.3f}",
                  file=sys.stderr)
        results[policy] = {"cycles": cycles, "memory": memory}

    # IPS: the random policy's log (uniform propensities) evaluates the other policies off-line.
    ips = run(f"hos-adapt evaluate --memory {results['random']['memory']} --target logged greedy thompson "
              f"arm:morning arm:midday arm:evening arm:gradual arm:direct", env=env,
              capture_output=True).stdout.decode().splitlines()
    ips = [json.loads(l) for l in ips]
    ips = [e for e in ips if not e["policy"].startswith("arm:")
           or (e["policy"][4:] in {"gradual", "direct"}) == (e["dimension"] == "sleep_shift")]
    elapsed = time.time() - started

    # The table and the targets.
    print(f"eval-learning: {args.users} simulated users, {args.cycles} weekly cycles, seed {args.seed}; "
          f"pipeline hos-behavior | hos-memory | hos-nutrition | hos-routine"
          + (" | hos-insights" if insights else " (hos-insights not available: left out)")
          + f" | hos-adapt; {elapsed:.0f} s")
    print()
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
    def mean(xs):
        return sum(xs) / len(xs) if xs else float("nan")
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

    os.makedirs(args.out, exist_ok=True)
    summary = {"users": args.users, "cycles": args.cycles, "seed": args.seed, "insights": insights,
               "policies": {p: results[p]["cycles"] for p in POLICIES}, "ips_on_random_log": ips,
               "targets": {"mean_cycles_8_on": {"oracle_minus_thompson": round(below, 4), "thompson_minus_random": round(above, 4),
                                                "within_10_of_oracle": near, "at_least_15_above_random": over},
                           "each_cycle_8_on": {"largest_oracle_minus_thompson": round(max(g[0] for g in gaps), 4),
                                               "smallest_thompson_minus_random": round(min(g[1] for g in gaps), 4)}}}
    with open(os.path.join(args.out, "learning.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(args.out, "learning-curve.svg"), "w") as f:
        f.write(svg(results, args))
    print(f"\nwrote {args.out}/learning-curve.svg and {args.out}/learning.json" + (f"; work files in {work}" if args.work else ""))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if near and over else 1


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
