"""Reads bnconf golden fixtures (schema v2, docs/fixture-format.md) into plain Python objects.

Nothing is verified here (the manifest check is `docs/examples/read_fixtures.py` and bnconf's job):
a producer only needs each case's attributes, its inputs as float64/int64 numpy arrays in logical
(N, C, ...) order, and the names and shapes of the outputs it must write."""
import fnmatch
import glob
import os
from dataclasses import dataclass, field

import h5py
import numpy as np

SCHEMA_VERSION = 2


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class Case:
    id: str
    tier: str
    operation: str  # forward_train ... error
    preset: str
    eps: float
    momentum: object  # float, or None for momentum_mode = cumulative_average
    convention: str  # weights_batch / weights_running (ignored when momentum is None)
    estimator: str  # unbiased / unbiased_clamped / population
    affine: bool
    tracked: bool
    shape: tuple
    layout: str  # channels_first / channels_last
    dtype: str  # f64 / f32 / f16 / bf16
    steps: int
    call: str = ""  # error cases: the entry point to invoke
    expected_error: str = ""
    inputs: dict = field(default_factory=dict)  # name -> numpy array (float64, int64 counters)
    expected: dict = field(default_factory=dict)  # output name -> shape tuple

    @property
    def entry(self):
        """The entry point to call: `call` for error cases, else the operation."""
        return self.call if self.operation == "error" else self.operation

    @property
    def rank(self):
        return len(self.shape)

    @property
    def channels(self):
        return int(self.shape[1]) if self.rank >= 2 else 0

    @property
    def values_per_channel(self):
        """M of docs/semantics.md: N times the spatial extent."""
        return int(np.prod(self.shape)) // self.channels if self.channels else 0


def _read_case(case_id, group):
    a = group.attrs
    exponential = _text(a["momentum_mode"]) == "exponential"
    case = Case(
        id=case_id, tier=_text(a["tier"]), operation=_text(a["operation"]),
        preset=_text(a["preset"]), eps=float(a["eps"]),
        momentum=float(a["momentum"]) if exponential else None,
        convention=_text(a["momentum_convention"]), estimator=_text(a["running_var_estimator"]),
        affine=bool(int(a["affine"])), tracked=bool(int(a["track_running_stats"])),
        shape=tuple(int(n) for n in a["shape"]), layout=_text(a["layout"]),
        dtype=_text(a["dtype"]), steps=int(a["steps"]),
        call=_text(a["call"]) if "call" in a else "",
        expected_error=_text(a["expected_error"]) if "expected_error" in a else "")
    for name, dataset in group["inputs"].items():
        case.inputs[name] = np.asarray(dataset[()])
    for name, dataset in group["expected"].items():
        case.expected[name] = tuple(dataset.shape)
    return case


def default_fixture_paths():
    """The committed fixtures: <repository>/fixtures/*.h5."""
    root = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
    return sorted(glob.glob(os.path.join(root, "*.h5")))


def iter_cases(paths, pattern=None):
    """Every case of the given files (or directories of *.h5), in file then id order;
    `pattern` is an fnmatch glob on the case id."""
    files = []
    for path in paths:
        files += sorted(glob.glob(os.path.join(path, "*.h5"))) if os.path.isdir(path) else [path]
    for path in files:
        with h5py.File(path, "r") as f:
            version = int(f.attrs["schema_version"])
            if version != SCHEMA_VERSION:
                raise ValueError(f"{path}: schema_version {version}, this reader knows "
                                 f"{SCHEMA_VERSION}")
            for case_id in sorted(f["cases"]):
                if pattern is None or fnmatch.fnmatchcase(case_id, pattern):
                    yield _read_case(case_id, f["cases"][case_id])


def to_memory_order(x, layout, leading_axes=0):
    """Logical (N, C, spatial...) -> the array the layout asks the backend to be handed:
    channels_last memory is (N, spatial..., C). leading_axes=1 for a sequence's step axis."""
    if layout == "channels_last" and x.ndim >= leading_axes + 3:
        return np.ascontiguousarray(np.moveaxis(x, leading_axes + 1, -1))
    return np.ascontiguousarray(x)


def to_logical_order(y, layout, leading_axes=0):
    """Inverse of to_memory_order: (N, spatial..., C) -> (N, C, spatial...)."""
    if layout == "channels_last" and y.ndim >= leading_axes + 3:
        return np.ascontiguousarray(np.moveaxis(y, -1, leading_axes + 1))
    return np.ascontiguousarray(y)
