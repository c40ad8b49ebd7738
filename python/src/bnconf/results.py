"""Writes a bnconf results file (protocol v1, docs/fixture-format.md "Results files").

The file is written under a temporary name in the destination directory and renamed into place,
so a producer killed halfway never leaves a truncated file that `bnconf check` could half-read."""
import os
import tempfile

import h5py
import numpy as np

STATUSES = ("ok", "unsupported", "invalid_argument", "backend_error")


class ResultsWriter:
    def __init__(self, backend_name, backend_version):
        self.backend_name = backend_name
        self.backend_version = backend_version
        self.entries = {}  # case id -> (status, message, {name: float64 array})

    def add(self, case_id, status, message="", outputs=None):
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {STATUSES}")
        arrays = {name: np.asarray(value, dtype="<f8") for name, value in (outputs or {}).items()}
        self.entries[case_id] = (status, message, arrays)

    def write(self, path):
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".results-", suffix=".h5", dir=directory)
        os.close(fd)
        try:
            with h5py.File(temp, "w") as out:
                out.attrs["schema_version"] = np.int64(1)
                out.attrs["backend_name"] = self.backend_name
                out.attrs["backend_version"] = self.backend_version
                results = out.create_group("results")
                for case_id, (status, message, arrays) in self.entries.items():
                    group = results.create_group(case_id)
                    group.attrs["status"] = status
                    if message:
                        group.attrs["message"] = message
                    for name, array in arrays.items():
                        group.create_dataset(name, data=array)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise

    def counts(self):
        tally = {status: 0 for status in STATUSES}
        for status, _, _ in self.entries.values():
            tally[status] += 1
        return tally
