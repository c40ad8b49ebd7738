#!/usr/bin/env python3
"""Markdown tables from a bnconf_bench JSON report (--benchmark_out_format=json).

Usage: summarize.py REPORT.json [REPORT.json...]
       summarize.py --compare LABEL=REPORT.json [LABEL=REPORT.json...]

--compare prints one table of like-for-like ratios (reference nT / libtorch nT, each from its own
report) with two columns per report, e.g. before and after a change, or several runs.

Several reports (e.g. one per operation, from --benchmark_filter runs) are merged; a benchmark in
more than one report is taken from the last. "of copy" and "of fresh copy" use the copy benchmarks of
the operation's own report when it has them. Uses the median aggregate of every benchmark when the report has repetitions, the single run
otherwise. Ratios are reference time / libtorch time (above 1: the reference is slower);
"of copy" is the operation's GB/s (minimum bytes, see benchmarks/common.hpp) over the GB/s of
copy/memcpy; "of fresh copy" the same over copy/fresh_allocation (a copy into a newly
allocated buffer, which pays the page faults that every operation pays for its output). "nT" is
the thread count; "(default)" marks each library's default count.
"""

import json
import re
import sys

OPS = ["forward_train", "forward_eval", "backward_train"]
LAYOUTS = ["channels_first", "channels_last"]


def load(path):
    with open(path) as f:
        report = json.load(f)
    runs = {}
    for b in report["benchmarks"]:
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        name = re.sub(r"/iterations:\d+|/repeats:\d+", "", name)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
        elif name in runs:
            continue  # an individual repetition after the first; the median is preferred
        runs[name] = b
    return report["context"], runs


def load_all(paths):
    """Merged context and runs; every run carries the copy/memcpy of its own report."""
    context, runs = {}, {}
    fallback = {"_copy": None, "_fresh": None}
    for path in paths:
        ctx, file_runs = load(path)
        context.update(ctx)
        own = {"_copy": file_runs.get("copy/memcpy"),
               "_fresh": file_runs.get("copy/fresh_allocation")}
        for key, peer in own.items():
            fallback[key] = peer or fallback[key]
        for name, b in file_runs.items():
            b.update(own)
            runs[name] = b
    for b in runs.values():
        for key in fallback:
            b[key] = b[key] or fallback[key]
    return context, runs


def ms(b):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["real_time"] * scale


def gbs(b):
    return b["bytes_per_second"] / 1e9


def threads_of(runs, prefix):
    found = set()
    for name in runs:
        m = re.fullmatch(re.escape(prefix) + r"/[a-z_]+/[a-z_]+/threads:(\d+)", name)
        if m:
            found.add(int(m.group(1)))
    return sorted(found)


def label(who, t, default):
    return f"{who} {t}T" + (" (default)" if str(t) == default else "")


def compare(pairs):
    reports = []
    for pair in pairs:
        label, path = pair.split("=", 1)
        reports.append((label, load(path)[1]))
    threads = sorted(set(threads_of(reports[0][1], "reference")) &
                     set(threads_of(reports[0][1], "torch")))
    cells = [f"{label}: {t}T / {t}T" for label, _ in reports for t in threads]
    print("| op | layout | " + " | ".join(cells) + " |")
    print("|---|---|" + "---:|" * len(cells))
    for op in OPS:
        for layout in LAYOUTS:
            row = []
            for _, runs in reports:
                for t in threads:
                    rb = runs.get(f"reference/{op}/{layout}/threads:{t}")
                    tb = runs.get(f"torch/{op}/{layout}/threads:{t}")
                    row.append("-" if rb is None or tb is None else f"{ms(rb) / ms(tb):.2f}")
            print(f"| {op} | {layout} | " + " | ".join(row) + " |")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--compare":
        compare(sys.argv[2:])
        return
    context, runs = load_all(sys.argv[1:])
    copy = runs["copy/memcpy"]
    fresh = runs.get("copy/fresh_allocation")
    ref_threads = threads_of(runs, "reference")
    torch_threads = threads_of(runs, "torch")
    ref_default = context.get("reference_default_threads")
    torch_default = context.get("libtorch_default_threads")

    print(f"copy/memcpy: {ms(copy):.2f} ms, {gbs(copy):.2f} GB/s")
    if fresh:
        print(f"copy/fresh_allocation: {ms(fresh):.2f} ms, {gbs(fresh):.2f} GB/s "
              f"({gbs(fresh) / gbs(copy):.3f} of copy)")
    huge = runs.get("copy/fresh_huge_pages")
    if huge:
        print(f"copy/fresh_huge_pages: {ms(huge):.2f} ms, {gbs(huge):.2f} GB/s "
              f"({gbs(huge) / gbs(copy):.3f} of copy)")
    for key in ("reference_path", "reference_isa", "reference_huge_page_outputs"):
        if key in context:
            print(f"{key}: {context[key]}")
    print()

    print("| op | layout | implementation | median ms | GB/s | Melem/s | of copy | of fresh copy |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for op in OPS:
        for layout in LAYOUTS:
            rows = [(label("reference", t, ref_default), f"reference/{op}/{layout}/threads:{t}")
                    for t in ref_threads]
            rows += [(label("libtorch", t, torch_default), f"torch/{op}/{layout}/threads:{t}")
                     for t in torch_threads]
            for who, name in rows:
                b = runs.get(name)
                if b is None:
                    continue
                of_fresh = f"{gbs(b) / gbs(b['_fresh']):.2f}" if b["_fresh"] else "-"
                print(f"| {op} | {layout} | {who} | {ms(b):.1f} | {gbs(b):.2f} | "
                      f"{b['items_per_second'] / 1e6:.1f} | {gbs(b) / gbs(b['_copy']):.3f} | "
                      f"{of_fresh} |")
    print()

    pairs = [(r, t) for r in ref_threads for t in torch_threads]
    header = [f"{label('ref', r, ref_default)} / {label('torch', t, torch_default)}"
              for r, t in pairs]
    print("| op | layout | " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * len(pairs))
    for op in OPS:
        for layout in LAYOUTS:
            cells = []
            for r, t in pairs:
                rb = runs.get(f"reference/{op}/{layout}/threads:{r}")
                tb = runs.get(f"torch/{op}/{layout}/threads:{t}")
                cells.append("-" if rb is None or tb is None else f"{ms(rb) / ms(tb):.2f}")
            print(f"| {op} | {layout} | " + " | ".join(cells) + " |")
    print()

    memory = sorted(n for n in runs if n.startswith("memory/"))
    print("| benchmark | extra MB | in tensors |")
    print("|---|---:|---:|")
    for name in memory:
        b = runs[name]
        if "extra_bytes" in b:
            print(f"| {name.removeprefix('memory/')} | {b['extra_bytes'] / 1e6:.3f} | "
                  f"{b['extra_tensors']:.3f} |")


if __name__ == "__main__":
    main()
