#!/usr/bin/env python3
"""Writes the corpus of malformed fixture and results files (suites/formats/corpus/).

Each entry is one defect, applied to a copy of small committed cases (fixtures/core.h5,
fixtures/errors.h5) or to a small results file: a fixture file alone (fixtures/), a directory
with its manifest (sets/), or a results file (results/). ctest bnconf_formats_corpus_tests
loads every entry with bnconf's readers and compares the first error with the line of
expected.txt. Run by hand (h5py and numpy; /usr/bin/python3 on Debian) after changing an entry:

    /usr/bin/python3 suites/formats/corpus/make_corpus.py SOURCE_ROOT

then refresh expected.txt with `bnconf_formats_corpus_tests --print` and review every line.
"""
import hashlib
import json
import pathlib
import shutil
import sys

import h5py
import numpy as np

VICTIM = "core.sizes.2x3.channels_first.forward_train"
PIPELINE = "core.seed_pipeline.f64"
ERROR_CASE = "errors.invalid.rank1"

ROOT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parents[3]
OUT = ROOT / "suites/formats/corpus"
STRING = h5py.string_dtype("utf-8")


def base(path, source="core.h5", case=VICTIM, tier="core"):
    """A file holding one committed case, as bnconf writes it (the schema of the committed set)."""
    with h5py.File(ROOT / "fixtures" / source, "r") as src, h5py.File(path, "w") as dst:
        for key in ("schema_version", "generator_version", "catalogue_sha256", "case_count"):
            dst.attrs[key] = src.attrs[key]
        dst.attrs["tier"] = tier
        dst.create_group("cases")
        src.copy(src["cases"][case], dst["cases"], name=case)
    return path


def fixture(name, damage, **kwargs):
    path = base(OUT / "fixtures" / (name + ".h5"), **kwargs)
    with h5py.File(path, "r+") as f:
        damage(f)


def case_of(f):
    return next(iter(f["cases"].values()))


def set_attr(name, value, dtype=None):
    def damage(f):
        g = case_of(f)
        del g.attrs[name]
        if dtype is None:
            g.attrs[name] = value
        else:
            g.attrs.create(name, value, dtype=dtype)
    return damage


def del_attr(name):
    def damage(f):
        del case_of(f).attrs[name]
    return damage


def replace_dataset(path, data=None, shape=None, dtype="<f8", **kwargs):
    def damage(f):
        g = case_of(f)
        if path in g:
            del g[path]
        if data is not None:
            g.create_dataset(path, data=data, dtype=dtype, track_times=False)
        else:
            g.create_dataset(path, shape=shape, dtype=dtype, track_times=False, **kwargs)
    return damage


def raw(name, data):
    (OUT / "fixtures" / (name + ".h5")).write_bytes(data)


def fixtures():
    valid = (OUT / "fixtures" / "00-valid.h5")
    base(valid)
    whole = valid.read_bytes()
    raw("01-empty", b"")
    raw("02-text", b"not an HDF5 file\n")
    raw("03-truncated", whole[: len(whole) // 2])
    raw("04-signature-only", whole[:8])
    # One flipped byte in errors.h5 that makes libhdf5 1.10 read a corrupt global-heap length and
    # crash (issue 13): the parser's process dies, the reader reports the file.
    errors = bytearray((ROOT / "fixtures/errors.h5").read_bytes())
    errors[2231] ^= 0xFF
    raw("05-flipped-byte-crashes-libhdf5", bytes(errors))
    fixture("06-schema-version-missing", lambda f: f.attrs.__delitem__("schema_version"))
    fixture("07-schema-version-3", lambda f: f.attrs.__setitem__("schema_version", np.int64(3)))
    fixture("08-schema-version-string", lambda f: f.attrs.__setitem__("schema_version", "1"))
    fixture("09-cases-missing", lambda f: f.__delitem__("cases"))
    fixture("10-cases-not-a-group",
            lambda f: (f.__delitem__("cases"), f.create_dataset("cases", data=[1.0])))
    fixture("11-file-tier-unknown", lambda f: f.attrs.__setitem__("tier", "bogus"))
    fixture("12-dtype-missing", del_attr("dtype"))
    fixture("13-operation-unknown", set_attr("operation", "frobnicate"))
    fixture("14-eps-nan", set_attr("eps", np.nan))
    fixture("15-eps-negative", set_attr("eps", -1e-5))
    fixture("16-momentum-above-one", set_attr("momentum", 1.5))
    fixture("17-momentum-a-string", set_attr("momentum", "0.1"))
    fixture("18-momentum-mode-unknown", set_attr("momentum_mode", "linear"))
    fixture("19-affine-two", set_attr("affine", np.int64(2)))
    fixture("20-shape-empty", set_attr("shape", np.zeros(0, dtype=np.int64)))
    fixture("21-shape-nine-dims", set_attr("shape", np.ones(9, dtype=np.int64)))
    fixture("22-shape-negative", set_attr("shape", np.array([2, -3], dtype=np.int64)))
    fixture("23-shape-absurd", set_attr("shape", np.array([1 << 40, 1 << 40], dtype=np.int64)))
    fixture("24-shape-rank-one-valid-case", set_attr("shape", np.array([6], dtype=np.int64)))
    fixture("25-layout-unknown", set_attr("layout", "diagonal"))
    fixture("26-dtype-unknown", set_attr("dtype", "f8"))
    fixture("27-seed-negative", set_attr("seed", np.int64(-1)))
    fixture("28-steps-zero", set_attr("steps", np.int64(0)))
    fixture("29-steps-a-million", set_attr("steps", np.int64(1000000)))
    fixture("30-case-tier-unknown", set_attr("tier", "bogus"))
    fixture("31-case-tier-not-the-files", set_attr("tier", "stress"))
    fixture("32-inputs-missing", lambda f: case_of(f).__delitem__("inputs"))
    fixture("33-expected-missing", lambda f: case_of(f).__delitem__("expected"))
    fixture("34-inputs-not-a-group",
            lambda f: (case_of(f).__delitem__("inputs"),
                       case_of(f).create_dataset("inputs", data=[1.0])))
    fixture("35-dataset-unknown", replace_dataset("inputs/zeta", data=[1.0]))
    fixture("36-dataset-not-of-the-operation",
            replace_dataset("inputs/dy", data=np.zeros((2, 3))))
    fixture("37-dataset-missing", lambda f: case_of(f).__delitem__("expected/y"))
    fixture("38-dataset-wrong-shape", replace_dataset("inputs/x", data=np.zeros((3, 2))))
    fixture("39-dataset-float32", replace_dataset("inputs/x", data=np.zeros((2, 3)), dtype="<f4"))
    fixture("40-counter-float", replace_dataset("inputs/num_batches_tracked", data=1.0))
    # Nearly 2^31 elements declared, none stored (HDF5 allocates contiguous storage at the first
    # write): rejected before the 16 GiB it would take to read.
    fixture("41-declared-never-written",
            lambda f: (set_attr("shape", np.array([715827882, 3], dtype=np.int64))(f),
                       replace_dataset("inputs/x", shape=(715827882, 3))(f)))
    fixture("42-counter-negative", replace_dataset("inputs/num_batches_tracked",
                                                   data=np.int64(-3), dtype="<i8"))
    fixture("43-error-case-without-expected-error", del_attr("expected_error"),
            source="errors.h5", case=ERROR_CASE, tier="errors")
    fixture("44-error-case-calls-a-sequence", set_attr("call", "sequence"),
            source="errors.h5", case=ERROR_CASE, tier="errors")
    fixture("45-expected-error-unknown", set_attr("expected_error", "bad_vibes"),
            source="errors.h5", case=ERROR_CASE, tier="errors")
    fixture("47-labels-above-classes",
            replace_dataset("inputs/labels", data=np.full(1000, 5, dtype=np.int64), dtype="<i8"),
            case=PIPELINE)
    fixture("48-labels-negative",
            replace_dataset("inputs/labels", data=np.full(1000, -1, dtype=np.int64), dtype="<i8"),
            case=PIPELINE)
    fixture("49-dataset-a-group",
            lambda f: (case_of(f).__delitem__("inputs/x"), case_of(f).create_group("inputs/x")))
    fixture("50-description-an-integer", set_attr("description", np.int64(7)))
    fixture("51-operation-two-strings",
            set_attr("operation", np.array(["forward_train", "forward_eval"], dtype=object),
                     dtype=STRING))
    # A file of schema v1 (one digest of the whole catalogue): refused with the way out.
    fixture("52-schema-version-1", lambda f: f.attrs.__setitem__("schema_version", np.int64(1)))


def manifest_of(directory, files, schema_version=2, cases=None):
    """A manifest whose whole-file digests are right (so files are used as they are) and whose
    per-case and catalogue digests are placeholders (the per-case ones are used only when a
    whole-file digest does not match; the catalogue digest is a record the loader does not
    compare: only `bnconf gen --check` does, and never on this corpus)."""
    placeholder = "0" * 64
    entries = {}
    for name in files:
        path = directory / name
        with h5py.File(path, "r") as f:
            ids = list(f["cases"].keys())
        listed = cases.get(name, ids) if cases else ids
        entries[name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                         "catalogue_sha256": placeholder,
                         "cases": {i: {"attributes": placeholder, "datasets": {}} for i in listed}}
    manifest = {"schema_version": schema_version, "generator_version": "corpus", "files": entries}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def fresh_set(name):
    directory = OUT / "sets" / name
    directory.mkdir(parents=True)
    base(directory / "core.h5")
    return directory


def sets():
    fresh_set("60-manifest-missing")
    (fresh_set("61-manifest-not-json") / "manifest.json").write_text("{\"schema_version\": 2,\n")
    manifest_of(fresh_set("62-manifest-schema-3"), ["core.h5"], schema_version=3)
    d = fresh_set("63-manifest-digest-not-hex")
    m = manifest_of(d, ["core.h5"])
    m["files"]["core.h5"]["sha256"] = "XYZ"
    (d / "manifest.json").write_text(json.dumps(m, indent=1) + "\n")
    d = fresh_set("64-file-listed-but-missing")
    base(d / "ieee.h5")
    manifest_of(d, ["core.h5", "ieee.h5"])
    (d / "ieee.h5").unlink()
    d = fresh_set("65-case-listed-but-missing")
    manifest_of(d, ["core.h5"], cases={"core.h5": [VICTIM, "core.sizes.9x9.gone"]})
    d = fresh_set("66-file-not-listed")
    manifest_of(d, ["core.h5"])
    base(d / "stress.h5", tier="stress")
    d = fresh_set("67-duplicate-id")
    base(d / "ieee.h5")
    manifest_of(d, ["core.h5", "ieee.h5"])
    # A file that is not the manifest's is checked case by case; this case's attributes are not
    # (its digests in this manifest are placeholders), so it is refused.
    d = fresh_set("68-file-changed-case-refused")
    manifest_of(d, ["core.h5"])
    with h5py.File(d / "core.h5", "r+") as f:
        y = case_of(f)["expected/y"]
        y[0, 0] = y[0, 0] + 1e-6
    # A manifest of schema v1 (one catalogue digest for all files): refused with the way out.
    manifest_of(fresh_set("69-manifest-schema-1"), ["core.h5"], schema_version=1)


def results(name, damage=None, raw_bytes=None):
    path = OUT / "results" / (name + ".h5")
    if raw_bytes is not None:
        path.write_bytes(raw_bytes)
        return
    with h5py.File(path, "w") as f:
        f.attrs["schema_version"] = np.int64(1)
        f.attrs["backend_name"] = "corpus"
        f.attrs["backend_version"] = "1"
        g = f.create_group("results/" + VICTIM)
        g.attrs["status"] = "ok"
        g.create_dataset("y", data=np.zeros((2, 3)), track_times=False)
        if damage:
            damage(f, g)


def results_files():
    results("70-valid")
    results("71-empty", raw_bytes=b"")
    results("72-schema-version-missing", lambda f, g: f.attrs.__delitem__("schema_version"))
    results("73-schema-version-2", lambda f, g: f.attrs.__setitem__("schema_version", np.int64(2)))
    results("74-results-missing", lambda f, g: f.__delitem__("results"))
    results("75-status-unknown", lambda f, g: g.attrs.__setitem__("status", "great"))
    results("76-status-missing", lambda f, g: g.attrs.__delitem__("status"))
    results("77-output-strings",
            lambda f, g: (g.__delitem__("y"), g.create_dataset("y", data=np.array(["a"], dtype=object),
                                                               dtype=STRING)))
    results("78-output-declared-never-written",
            lambda f, g: (g.__delitem__("y"), g.create_dataset("y", shape=(1 << 16, 1 << 15),
                                                               dtype="<f8", track_times=False)))
    results("79-unchecked-without-reason",
            lambda f, g: g.attrs.create("unchecked", ["running_mean"], dtype=STRING))
    results("80-unchecked-and-present",
            lambda f, g: (g.attrs.create("unchecked", ["y"], dtype=STRING),
                          g.attrs.__setitem__("unchecked_reason", "not computed")))
    results("81-results-a-dataset",
            lambda f, g: (f.__delitem__("results"), f.create_dataset("results", data=[1.0])))
    whole = (OUT / "results" / "70-valid.h5").read_bytes()
    results("82-truncated", raw_bytes=whole[: len(whole) // 2])


def main():
    for part in ("fixtures", "sets", "results"):
        shutil.rmtree(OUT / part, ignore_errors=True)
        (OUT / part).mkdir(parents=True)
    fixtures()
    sets()
    results_files()


if __name__ == "__main__":
    main()
