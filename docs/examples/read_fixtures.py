#!/usr/bin/env python3
"""usage: read_fixtures.py FIXTURE_DIR [CASE_ID...]

Reads bnconf fixtures (schema v1, docs/fixture-format.md) with h5py alone: lists every case,
verifies files, attributes and datasets against FIXTURE_DIR/manifest.json (exit status 1 on any
mismatch), prints each CASE_ID (default: the first channels_last case) with its activations in the
memory order the backend is handed them: x in `layout`, dy in `dy_layout` when the case has one,
and for `view` = strided the strides and storage offset of the views."""
import hashlib
import json
import math
import os
import sys
from decimal import Decimal
import h5py
import numpy as np

def shortest(v):
    """C++ std::to_chars(double): the shortest digits that read back exactly, in fixed or
    scientific form, whichever is shorter (fixed on a tie); exponent signed, >= 2 digits."""
    if v != v:  # NaN (an error case's eps or momentum), with its sign as to_chars writes it
        return "-nan" if math.copysign(1.0, v) < 0 else "nan"
    if v == 0 or abs(v) == float("inf"):  # 0, -0, inf, -inf
        return repr(v).replace(".0", "")
    t = Decimal(repr(abs(v))).normalize().as_tuple()
    d, x = "".join(map(str, t.digits)), t.exponent
    e = x + len(d) - 1  # decimal exponent of the first digit
    sci = d[0] + ("." + d[1:] if len(d) > 1 else "") + "e" + "+-"[e < 0] + "%02d" % abs(e)
    fix = (d + "0" * x if x >= 0 else
           d[:e + 1] + "." + d[e + 1:] if e >= 0 else "0." + "0" * (-e - 1) + d)
    return ("-" if v < 0 else "") + (fix if len(fix) <= len(sci) else sci)

def canonical_text(a):
    """The text whose SHA-256 is the manifest's "attributes" entry of a case."""
    err = "expected_error" in a
    momentum = shortest(float(a["momentum"])) if a["momentum_mode"] == "exponential" else "none"
    fields = [
        ("tier", a["tier"]), ("operation", a["operation"]), ("preset", a["preset"]),
        ("eps", shortest(float(a["eps"]))), ("momentum", momentum),
        ("momentum_convention", a["momentum_convention"]),
        ("running_var_estimator", a["running_var_estimator"]),
        ("affine", int(a["affine"])), ("track_running_stats", int(a["track_running_stats"])),
        ("shape", "[" + ", ".join(str(int(n)) for n in a["shape"]) + "]"), ("layout", a["layout"]),
    ]
    # Optional attributes: a line only when the case has dy_layout, or a view other than dense.
    fields += [("dy_layout", a["dy_layout"])] if "dy_layout" in a else []
    fields += [("view", a["view"])] if a.get("view", "dense") != "dense" else []
    fields += [
        ("dtype", a["dtype"]), ("tags", "".join(t + "," for t in a.get("tags", ()))),
        ("seed", int(a["seed"])), ("steps", int(a["steps"])),
        ("expected_error", a["expected_error"] if err else ""), ("call", a["call"] if err else ""),
        ("description", a.get("description", "")),
    ]
    return "".join(f"{k}={v}\n" for k, v in fields)

def sha256(data):  # lowercase hex, as in manifest.json
    return hashlib.sha256(data).hexdigest()

def dataset_sha256(d):
    """SHA-256 of little-endian int64 (integer datasets) or float64 values, row-major."""
    values = np.ascontiguousarray(d[()], dtype="<i8" if d.dtype.kind == "i" else "<f8")
    return sha256(values.tobytes())

def to_memory_order(x, layout, leading_axes=0):
    """Stored x is logical (N, C, spatial...); channels_last memory is (N, spatial..., C).
    leading_axes = 1 for the step axis of sequence cases."""
    move = layout == "channels_last" and x.ndim >= leading_axes + 3
    return np.ascontiguousarray(np.moveaxis(x, leading_axes + 1, -1) if move else x)

def view_geometry(shape, layout):
    """A strided view (`view` = strided) of a tensor of logical `shape`: the memory order of
    `layout` with its innermost axis padded by one element and a storage offset of 3. Returns the
    strides and the offset in elements, and the number of elements the buffer spans."""
    rank, offset = len(shape), 3
    first, last = [1] if layout == "channels_first" else [], [1] if layout == "channels_last" else []
    order = [0] + first + list(range(2, rank)) + last  # axes in memory order, slowest first
    strides, stride = [0] * rank, 1
    for k in reversed(range(rank)):
        strides[order[k]] = stride
        stride *= shape[order[k]] + (1 if k == rank - 1 else 0)
    if 0 in shape:
        return strides, offset, offset
    return strides, offset, offset + sum((n - 1) * s for n, s in zip(shape, strides)) + 1

def strided_buffer(x, layout):
    """x in the buffer of its strided view: element i at offset + i . strides, padding NaN."""
    strides, offset, span = view_geometry(x.shape, layout)
    buffer = np.full(span, np.nan)
    if x.size:
        positions = offset + sum(i * s for i, s in zip(np.indices(x.shape), strides))
        buffer[positions] = x
    return buffer, strides, offset

def verify_file(path, entry):
    """Lists the cases of one file and returns how many checksums differ from `entry`."""
    problems = 0
    with open(path, "rb") as f:
        if sha256(f.read()) != entry["sha256"]:
            print(f"{path}: bytes differ from the manifest; checking case by case")
    with h5py.File(path, "r") as h5:
        a = h5.attrs
        assert a["schema_version"] == 2, "this reader knows schema v2 only"
        print(f"{path}: tier {a['tier']}, {a['case_count']} cases")
        for cid in sorted(set(h5["cases"]) ^ set(entry["cases"])):
            problems += 1
            print(f"  {cid}: in only one of the file and the manifest")
        for cid, group in h5["cases"].items():
            attrs = dict(group.attrs)
            print(f"  {cid}: {attrs['operation']} {attrs['shape'].tolist()} {attrs['dtype']}")
            want = entry["cases"].get(cid, {"attributes": None, "datasets": {}})
            if sha256(canonical_text(attrs).encode("utf-8")) != want["attributes"]:
                problems += 1
                print("    attributes: sha256 differs from the manifest")
            got = {f"{s}/{n}": dataset_sha256(d) for s in ("inputs", "expected")
                   for n, d in group[s].items()}
            for key in sorted(set(got) | set(want["datasets"])):
                if got.get(key) != want["datasets"].get(key):
                    problems += 1
                    print(f"    {key}: sha256 differs from the manifest")
    return problems

def show_case(group):
    print(f"\ncase {group.name.split('/')[-1]}")
    for key, value in group.attrs.items():
        print(f"  @{key} = {value.tolist() if isinstance(value, np.ndarray) else value}")
    for section in ("inputs", "expected"):
        for name, d in group[section].items():
            print(f"  {section}/{name}: shape {d.shape} {d.dtype}")
    a = group.attrs
    layouts = {"x": a["layout"], "x_eval": a["layout"], "dy": a.get("dy_layout", a["layout"])}
    for name in ("x", "dy", "x_eval"):
        if name not in group["inputs"] or a["operation"] == "error":
            continue
        value, layout = group["inputs"][name][()], layouts[name]
        stacked = a["operation"] == "sequence" and name == "x"  # (K, N, C, ...): one per step
        mem = to_memory_order(value, layout, 1 if stacked else 0)
        print(f"  {name}: logical {value.shape} -> {layout} memory order {mem.shape}, "
              f"first values {mem.ravel()[:3].tolist()}")
        if a.get("view", "dense") == "strided" and not stacked:
            buffer, strides, offset = strided_buffer(value, layout)
            # Read back as numpy sees the view: the logical values, none of the padding.
            view = np.lib.stride_tricks.as_strided(
                buffer[offset:], value.shape, [s * buffer.itemsize for s in strides])
            assert np.array_equal(view, value, equal_nan=True)
            print(f"  {name}: strided view: strides {strides}, storage offset {offset}, "
                  f"buffer of {buffer.size} elements")

def main(directory, *case_ids):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    problems = sum(verify_file(os.path.join(directory, name), entry)
                   for name, entry in manifest["files"].items())
    wanted, shown = list(case_ids), set()
    for name in manifest["files"]:
        with h5py.File(os.path.join(directory, name), "r") as h5:
            if not wanted:  # default: the first channels_last case
                wanted = [next((i for i, g in h5["cases"].items()
                                if g.attrs["layout"] == "channels_last"), "")]
            for case_id in wanted:
                if case_id in h5["cases"] and case_id not in shown:
                    show_case(h5["cases"][case_id])
                    shown.add(case_id)
    for case_id in wanted:
        if case_id not in shown:
            print(f"no case {case_id}")
            problems += 1
    print(f"\nmanifest check: {'OK' if problems == 0 else f'{problems} problem(s)'}")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]) if len(sys.argv) >= 2 else __doc__)
