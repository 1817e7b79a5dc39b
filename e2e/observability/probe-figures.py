#!/usr/bin/env python3
"""Measures the mesh probes' steady-state figures on a `local` cluster, as the operator sees them.

Runs `java -jar node/target/topicmesh-node.jar local` with the given nodes, D and seed, waits 90 s
(30 s to converge, then each node's 60 s probe window), reads GET /v1/cluster and prints one row:
the load average at that moment, the probe mesh's degree range, and over the nodes' last-minute
windows the delivery ratio (sum received / sum expected), the median node's p50 and the worst,
median and best node's p99 (the operator's p99 is the worst node's). The figures behind the
Auto-tuning defaults in docs/observability.md. Usage, from the repository root after
`mvn -pl node -am -DskipTests package`:

    python3 e2e/observability/probe-figures.py --nodes 8 --d 6 --seed 1
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import time
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--nodes", type=int, default=8)
ap.add_argument("--d", type=int, default=6)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--rate", type=float, default=5)
ap.add_argument("--probe-interval", default="2s")
ap.add_argument("--jar", default="node/target/topicmesh-node.jar")
ap.add_argument("--wait", type=int, default=90, help="seconds before reading the windows")
a = ap.parse_args()

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
cmd = ["java", "-jar", a.jar, "local", "--nodes", str(a.nodes), "--d", str(a.d), "--seed", str(a.seed),
       "--rate", str(a.rate), "--probe-interval", a.probe_interval, "--duration", str(a.wait + 10),
       "--admin-listen", "127.0.0.1:%d" % port, "--plain"]
with open(os.devnull, "w") as null:
    proc = subprocess.Popen(cmd, stdout=null, stderr=null)
    try:
        time.sleep(a.wait)  # a measurement: the windows read are the last 60 s before this moment
        load = open("/proc/loadavg").read().split()[0]
        with urllib.request.urlopen("http://127.0.0.1:%d/v1/cluster" % port, timeout=10) as r:
            cluster = json.load(r)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()

probes = [n["status"]["probes"] for n in cluster["nodes"]]
p50 = [p["latencyP50Ms"] for p in probes if p.get("latencyP50Ms") is not None]
p99 = [p["latencyP99Ms"] for p in probes if p.get("latencyP99Ms") is not None]
expected = sum(p["expected"] for p in probes)
received = sum(p["received"] for p in probes)
mesh = [p["meshPeers"] for p in probes]
if not p99 or not expected:
    raise SystemExit("no probe figures after %d s: %s" % (a.wait, probes))
print("nodes=%d D=%d seed=%d load=%s probeMesh=%d..%d ratio=%.4f p50(median node)=%.1fms "
      "p99 worst=%.1fms median=%.1fms best=%.1fms samples/node=%d" % (
          a.nodes, a.d, a.seed, load, min(mesh), max(mesh), received / expected, statistics.median(p50),
          max(p99), statistics.median(p99), min(p99), statistics.median(p["latencySamples"] for p in probes)))
