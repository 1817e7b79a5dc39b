#!/usr/bin/env python3
"""The operator's tuning table: D/Dlo/Dhi against cluster size, measured with the simulator.

Runs `topicmesh-node.jar sim` on node/src/main/resources/sim/tuning-table.yaml for every cluster
size x D x message size, one run at a time, and writes

  - the table the operator loads (operator/src/main/resources/tuning/d-table.json by default): every
    measured run, and per cluster size the recommended D/Dlo/Dhi and the default objectives;
  - the same as markdown (--markdown FILE, default: stdout), for docs/simulation.md.

The rule (documented in docs/simulation.md, "Tuning table"), per cluster size N, over the D that
exist at that size (D <= N - 1):
  - a D qualifies when its delivery ratio is 1.0 at every message size;
  - best(size) is the lowest p99 latency among qualifying D at that message size;
  - recommended: the smallest qualifying D whose p99 is within P99_TOLERANCE (relative) plus
    P99_SLACK_MS of best(size) at every message size. Smaller D means fewer duplicates and less
    bandwidth, so among D that are as fast as the fastest the cheapest wins;
  - targetP99LatencyMs: LATENCY_ALLOWANCE_MS (what a real node adds: JVM, scheduler and kernel
    tails; see docs/observability.md "The p99 objective, measured") plus the recommended D's largest
    simulated p99, rounded up to 10 ms;
  - duplicatesByD: per D, the largest duplicates per message over the message sizes.

Raw summaries are kept in --raw (JSON lines, default target/sim-tuning-table/raw.jsonl); a run
already there (same routers, D, message size, seed, messages and jar) is not run again, so an
interrupted sweep resumes. Run it from the repository root, under nice:

  nice -n 10 mvn -B -ntp -q -pl node -am -DskipTests package
  nice -n 10 python3 scripts/sim-tuning-table.py --markdown target/sim-tuning-table/table.md
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import subprocess
import sys

SCENARIO = "node/src/main/resources/sim/tuning-table.yaml"
SIZES = [10, 25, 50, 100, 250, 500, 1000]
DS = [3, 4, 5, 6, 8, 10, 12]
# message bytes -> network-wide publish rate (messages per virtual second)
MESSAGE_SIZES = {1024: 100, 65536: 10}
# messages per run, by cluster size: at least ~60,000 deliveries per run for a stable p99, and a
# bounded cost (about 0.25 CPU-ms per router per message).
MESSAGES = {10: 300, 25: 300, 50: 200, 100: 200, 250: 100, 500: 60, 1000: 40}
# from this size on, fewer values of D (the rest is interpolated by the operator): the runs cost most there
LARGE = 500
DS_LARGE = [3, 4, 6, 8, 12]
MAX_CONNECTIONS = 256  # the node's default maxConnections
P99_TOLERANCE = 0.10
P99_SLACK_MS = 1.0
LATENCY_ALLOWANCE_MS = 500


def degrees(d):
    """The operator Tuner's degree family for D: Dlo = max(1, 5D/6), Dhi = 2D; Dout and Dscore lowered to stay valid."""
    dlo = max(1, d * 5 // 6)
    dhi = 2 * d
    dout = max(0, min(2, dlo - 1, d // 2))
    dscore = min(4, dhi)
    return dlo, dhi, dout, dscore


def ds_for(n, ds):
    """The D run at n routers: those of ds that fit (D <= n - 1), only DS_LARGE's from LARGE routers on."""
    return [d for d in ds if d <= n - 1 and (n < LARGE or d in DS_LARGE)]


def connections(n):
    return n - 1 if n - 1 <= MAX_CONNECTIONS else MAX_CONNECTIONS // 2


def messages_for(n, size):
    m = MESSAGES.get(n)
    if m is None:
        m = max(60, min(300, 60000 // n))
    # 64 KiB costs about three times as much CPU per router and message: half as many.
    return m if size < 65536 else max(30, m // 2)


def run_sim(jar, n, d, size, seed, heap):
    dlo, dhi, dout, dscore = degrees(d)
    sets = {
        "routers": n,
        "topology.connectionsPerNode": connections(n),
        "publishers": min(10, n),
        "messages.sizeBytes": size,
        "messages.ratePerSecond": MESSAGE_SIZES[size],
        "messages.count": messages_for(n, size),
        "params.d": d, "params.dlo": dlo, "params.dhi": dhi, "params.dout": dout, "params.dscore": dscore,
    }
    cmd = ["java", "-Xmx" + heap, "-jar", jar, "sim", "--scenario", SCENARIO, "--seed", str(seed)]
    for k, v in sets.items():
        cmd += ["--set", f"{k}={v}"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"sim failed ({p.returncode}) for routers={n} d={d} size={size}: {p.stderr.strip()[-2000:]}")
    line = [l for l in p.stdout.splitlines() if l.startswith("{")][-1]
    return json.loads(line), cmd


def key(n, d, size, seed, jar_hash):
    return f"{n}/{d}/{size}/{seed}/{messages_for(n, size)}/{jar_hash}"


def file_hash(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def recommend(n, results):
    """results: {(d, size): summary}. Returns (d, best p99 per size) per the rule in the module doc."""
    ds = sorted({d for d, _ in results})
    sizes = sorted({s for _, s in results})
    qualifying = [d for d in ds if all((d, s) in results and results[(d, s)]["deliveryRatio"] >= 1.0 for s in sizes)]
    if not qualifying:
        sys.exit(f"no D delivers 1.0 at {n} routers: the table cannot recommend one; look at the runs")
    best = {s: min(results[(d, s)]["latencyP99Ms"] for d in qualifying) for s in sizes}
    for d in qualifying:
        if all(results[(d, s)]["latencyP99Ms"] <= best[s] * (1 + P99_TOLERANCE) + P99_SLACK_MS for s in sizes):
            return d, best
    raise AssertionError("the fastest qualifying D always meets its own best")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default="node/target/topicmesh-node.jar")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="cluster sizes (routers)")
    ap.add_argument("--ds", default=",".join(map(str, DS)), help="values of D")
    ap.add_argument("--message-sizes", default=",".join(map(str, MESSAGE_SIZES)), help="message bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--heap", default="4g")
    ap.add_argument("--raw", default="target/sim-tuning-table/raw.jsonl")
    ap.add_argument("--out", default="operator/src/main/resources/tuning/d-table.json")
    ap.add_argument("--markdown", default="-", help="markdown file ('-': stdout)")
    a = ap.parse_args()
    if not os.path.exists(SCENARIO):
        sys.exit(f"run from the repository root: {SCENARIO} not found")
    if not os.path.exists(a.jar):
        sys.exit(f"{a.jar} not found: build it with nice -n 10 mvn -B -ntp -q -pl node -am -DskipTests package")
    sizes = [int(x) for x in a.sizes.split(",")]
    ds = [int(x) for x in a.ds.split(",")]
    msizes = [int(x) for x in a.message_sizes.split(",")]
    for s in msizes:
        if s not in MESSAGE_SIZES:
            sys.exit(f"message size {s}: no publish rate defined (known: {sorted(MESSAGE_SIZES)})")
    jar_hash = file_hash(a.jar)
    os.makedirs(os.path.dirname(a.raw) or ".", exist_ok=True)
    raw = {}
    if os.path.exists(a.raw):
        with open(a.raw) as f:
            for line in f:
                e = json.loads(line)
                raw[e["key"]] = e
    command = "nice -n 10 python3 scripts/sim-tuning-table.py " + " ".join(sys.argv[1:])
    plan = [(n, d, s) for n in sizes for d in ds_for(n, ds) for s in msizes]
    for i, (n, d, s) in enumerate(plan):
        k = key(n, d, s, a.seed, jar_hash)
        if k in raw:
            continue
        summary, cmd = run_sim(a.jar, n, d, s, a.seed, a.heap)
        e = {"key": k, "routers": n, "d": d, "messageBytes": s, "seed": a.seed, "command": " ".join(cmd),
             "summary": summary}
        raw[k] = e
        with open(a.raw, "a") as f:
            f.write(json.dumps(e) + "\n")
        print(f"[{i + 1}/{len(plan)}] routers={n} D={d} {s} B: delivery {summary['deliveryRatio']} "
              f"p99 {summary['latencyP99Ms']} ms dup {summary['duplicatesPerMessage']} "
              f"cpu {summary['cpuSeconds']} s load {summary['loadAverage']}", file=sys.stderr, flush=True)

    rows = []
    loads = []
    cpu = 0.0
    for n in sizes:
        results = {}
        runs = []
        for d in ds_for(n, ds):
            dlo, dhi, _, _ = degrees(d)
            for s in msizes:
                e = raw[key(n, d, s, a.seed, jar_hash)]
                r = e["summary"]
                results[(d, s)] = r
                loads.append(r["loadAverage"])
                cpu += r["cpuSeconds"]
                runs.append({
                    "d": d, "dlo": dlo, "dhi": dhi, "messageBytes": s, "messages": r["messages"],
                    "deliveryRatio": r["deliveryRatio"], "latencyP50Ms": r["latencyP50Ms"],
                    "latencyP99Ms": r["latencyP99Ms"], "duplicatesPerMessage": r["duplicatesPerMessage"],
                    "bytesPerNodePerMessage": round(r["bytesPerNode"] / r["messages"]),
                    "controlShare": r["controlShare"], "hopsMean": r["hopsMean"], "traceHash": r["traceHash"],
                    "cpuSeconds": r["cpuSeconds"], "loadAverage": r["loadAverage"]})
        rec, best = recommend(n, results)
        dlo, dhi, _, _ = degrees(rec)
        worst_p99 = max(results[(rec, s)]["latencyP99Ms"] for s in msizes)
        target = int(math.ceil((LATENCY_ALLOWANCE_MS + worst_p99) / 10.0) * 10)
        dups = {str(d): max(results[(d, s)]["duplicatesPerMessage"] for s in msizes) for d in ds_for(n, ds)}
        rows.append({"routers": n, "connectionsPerNode": connections(n),
                     "recommended": {"d": rec, "dlo": dlo, "dhi": dhi},
                     "bestP99Ms": {str(s): best[s] for s in msizes},
                     "objectives": {"targetP99LatencyMs": target, "duplicatesByD": dups},
                     "runs": runs})

    table = {
        "_comment": "Generated by scripts/sim-tuning-table.py; do not edit by hand. Regenerate with the command "
                    "below from the repository root (see docs/simulation.md, 'Tuning table: D/Dlo/Dhi against "
                    "cluster size').",
        "generatedBy": command,
        "commit": git("rev-parse", "HEAD") + ("-dirty" if git("status", "--porcelain", "--", "node/src") else ""),
        "generatedAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "jarSha256Prefix": jar_hash,
        "scenario": SCENARIO,
        "seed": a.seed,
        "loadAverage": {"min": min(loads), "max": max(loads)},
        "cpuSecondsTotal": round(cpu, 1),
        "rule": {
            "qualifies": "deliveryRatio 1.0 at every message size",
            "recommended": "smallest qualifying D with p99 <= best p99 x (1 + p99Tolerance) + p99SlackMs at every"
                           " message size",
            "p99Tolerance": P99_TOLERANCE, "p99SlackMs": P99_SLACK_MS,
            "targetP99LatencyMs": "latencyAllowanceMs + the recommended D's largest p99, rounded up to 10 ms",
            "latencyAllowanceMs": LATENCY_ALLOWANCE_MS,
            "duplicatesByD": "largest duplicatesPerMessage over the message sizes, per D",
        },
        "messageSizes": {str(s): {"ratePerSecond": MESSAGE_SIZES[s]} for s in msizes},
        "rows": rows,
    }
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(table, f, indent=1)
        f.write("\n")

    md = [f"Generated by `{command}` at commit {table['commit'][:12]} (jar sha256 {jar_hash}…), "
          f"load average {min(loads):.1f}-{max(loads):.1f}, {cpu / 60:.1f} CPU-minutes in all.", ""]
    md.append("| routers | recommended D/Dlo/Dhi | default target p99 | D/Dlo/Dhi | message | delivery | p50 ms | p99 ms "
              "| duplicates/msg | bytes/node/msg | control share | hops |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        rec = row["recommended"]
        first = True
        for r in row["runs"]:
            mark = "**" if r["d"] == rec["d"] else ""
            md.append("| {} | {} | {} | {m}{}/{}/{}{m} | {} | {} | {} | {} | {} | {:,} | {} | {} |".format(
                row["routers"] if first else "",
                f"{rec['d']}/{rec['dlo']}/{rec['dhi']}" if first else "",
                f"{row['objectives']['targetP99LatencyMs']} ms" if first else "",
                r["d"], r["dlo"], r["dhi"], "1 KiB" if r["messageBytes"] == 1024 else f"{r['messageBytes'] // 1024} KiB",
                r["deliveryRatio"], r["latencyP50Ms"], r["latencyP99Ms"], r["duplicatesPerMessage"],
                r["bytesPerNodePerMessage"], r["controlShare"], round(r["hopsMean"], 2), m=mark))
            first = False
    text = "\n".join(md) + "\n"
    if a.markdown == "-":
        sys.stdout.write(text)
    else:
        os.makedirs(os.path.dirname(a.markdown) or ".", exist_ok=True)
        with open(a.markdown, "w") as f:
            f.write(text)
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
