#!/usr/bin/env python3
"""bnconf show --dump: every array of the case (inputs, expected, the backend's actual outputs)
is a .npy file numpy loads with the shape `show` printed, and actual stays within a few float
ulps of expected for the correct cpu-f32. Skipped (77) without numpy."""
import pathlib
import re
import shutil
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(77)

bnconf, out = sys.argv[1], pathlib.Path(sys.argv[2])
shutil.rmtree(out, ignore_errors=True)
case = "core.presets.pytorch.forward_train"
text = subprocess.run([bnconf, "show", case, "--backend", "cpu-f32", "--dump", str(out)],
                      check=True, capture_output=True, text=True).stdout
shapes = {}
section = None
for line in text.splitlines():
    if line.rstrip(":") in ("inputs", "expected"):
        section = line.rstrip(":")
    elif line.startswith("backend "):
        section = "actual"
    m = re.match(r"  (\w+)\s+(\([0-9, ]*\))", line)
    if m and section:
        shapes[(section, m.group(1))] = eval(m.group(2))  # a tuple literal printed by show
assert shapes, text
for (section, name), shape in shapes.items():
    array = np.load(out / section / f"{name}.npy")
    assert array.shape == shape, (section, name, array.shape, shape)
y, y_expected = np.load(out / "actual" / "y.npy"), np.load(out / "expected" / "y.npy")
assert np.max(np.abs(y - y_expected)) < 1e-5 * np.max(np.abs(y_expected)), "cpu-f32 y far off"
print(f"{len(shapes)} arrays read back with their shapes")
