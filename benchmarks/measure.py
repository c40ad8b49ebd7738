#!/usr/bin/env python3
"""Measurements behind docs/performance.md on a shared machine, each printing what the page shows.

  measure.py bench BINARY OUT.json [VAR=VALUE...]
      Runs BINARY (bnconf_bench) on '^(reference|torch|copy)/' with 5 randomly interleaved
      repetitions at nice -10, writing OUT.json, while sampling /proc/stat and the load average
      every 2 s; prints the wall time, the benchmark's CPU time and the share of the two CPUs that
      other processes used. VAR=VALUE pairs go to the benchmark's environment (e.g.
      BNCONF_REFERENCE_HUGE_PAGES=0).

  measure.py commands BEFORE_BNCONF AFTER_BNCONF
      Times bnconf gen, gen --check, run --backend reference (3 runs each), gen --on-demand
      (3 runs) and run --backend reference on the on-demand set (1 run) with both binaries,
      alternating, at nice -10, from the repository root; prints the Markdown table of medians.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_jiffies():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def timed(command, env=None):
    """(wall s, user s, user + system s) of one command at nice -10."""
    before = os.times()
    start = time.monotonic()
    result = subprocess.run(["nice", "-n", "-10"] + command, cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    after = os.times()
    if result.returncode != 0:
        sys.exit(f"measure: {' '.join(command)} failed: {result.stderr.strip()}")
    cpu = (after.children_user - before.children_user) + (after.children_system -
                                                          before.children_system)
    user = after.children_user - before.children_user
    return wall, user, cpu


def bench(binary, out, assignments):
    env = dict(os.environ)
    for assignment in assignments:
        name, value = assignment.split("=", 1)
        env[name] = value
    loads = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            loads.append(load_average())
            stop.wait(2.0)

    sampler = threading.Thread(target=sample)
    busy_before = cpu_jiffies()
    sampler.start()
    wall, _, cpu = timed([binary, "--benchmark_filter=^(reference|torch|copy)/",
                             "--benchmark_min_time=0.5", "--benchmark_repetitions=5",
                             "--benchmark_enable_random_interleaving=true",
                             "--benchmark_report_aggregates_only=true",
                             f"--benchmark_out={out}", "--benchmark_out_format=json"], env)
    stop.set()
    sampler.join()
    busy = (cpu_jiffies() - busy_before) / os.sysconf("SC_CLK_TCK")
    cpus = os.cpu_count()
    others = max(0.0, busy - cpu) / (wall * cpus)
    loads.sort()
    print(f"{out}: wall {wall:.0f} s, benchmark CPU {cpu:.0f} s, other processes "
          f"{100 * others:.0f} % of the {cpus} CPUs, load average {loads[0]:.1f}..{loads[-1]:.1f} "
          f"(median {loads[len(loads) // 2]:.1f})")


COMMANDS = [
    ("`bnconf gen --out DIR` (committed set, 359 cases)", 3, lambda b, d: [b, "gen", "--out", d]),
    ("`bnconf gen --check fixtures`", 3, lambda b, d: [b, "gen", "--check", "fixtures"]),
    ("`bnconf run --backend reference` (committed set)", 3,
     lambda b, d: [b, "run", "--backend", "reference", "--fixtures", "fixtures"]),
    ("`bnconf gen --out DIR --on-demand` (365 cases)", 3,
     lambda b, d: [b, "gen", "--out", d, "--on-demand"]),
    ("`bnconf run --backend reference --tier stress` on the on-demand set (16 cases)", 1,
     lambda b, d: [b, "run", "--backend", "reference", "--fixtures", d, "--tier", "stress"]),
]


def commands(before, after):
    # Runs of the two binaries alternate, so that a change of the machine's load affects both.
    results = {}
    work = {label: tempfile.mkdtemp(prefix="bnconf-measure-") for label in ("before", "after")}
    try:
        for name, runs, make in COMMANDS:
            for _ in range(runs):
                for label, binary in (("before", before), ("after", after)):
                    command = make(binary, work[label])
                    if "--out" in command:
                        shutil.rmtree(work[label], ignore_errors=True)
                    results.setdefault(name, {}).setdefault(label, []).append(timed(command))
    finally:
        for directory in work.values():
            shutil.rmtree(directory, ignore_errors=True)
    print("| command | before: wall (runs) | before: user | after: wall (runs) | after: user |")
    print("|---|---:|---:|---:|---:|")
    for name, _, _ in COMMANDS:
        cells = []
        for label in ("before", "after"):
            walls = [r[0] for r in results[name][label]]
            users = [r[1] for r in results[name][label]]
            wall = f"{statistics.median(walls):.2f} s"
            if len(walls) > 1:
                wall += f" ({min(walls):.2f}–{max(walls):.2f})"
            cells += [wall, f"{statistics.median(users):.2f} s"]
        print(f"| {name} | " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "bench":
        bench(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "commands":
        commands(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
