#!/usr/bin/env python3
"""The pytest plugin, as a framework's test suite uses it: pytest (Debian's) in the venv the
package was pip-installed into (package_install_test.py), the plugin found by its entry point,
over the core tier of the committed fixtures, read back from pytest's JUnit XML.

correct: python/examples/test_numpy_batch_norm.py (a float64 numpy BatchNorm with PyTorch's
  semantics, forward training and inference, f64 and f32). One test per core case, named by
  the case id (the ids `bnconf list --tier core` prints); none fails; every skip is an
  `unsupported` with its reason; what passed is forward_train/forward_eval in f64/f32 only, and
  every such forward_eval (its running statistics are not updated, so every preset is the
  example's) passed. A bad option, missing fixtures and a missing bnconf stop it with a message
  naming what is wrong.
wrong: suites/python/material/test_swapped_variance.py (the same with the batch and running
  variances swapped). Cases fail, each with bnconf's failure text (status, id, the outputs out
  of bound, worst element, error, bound, rerun line); the rerun line, run, fails the case again
  with the same text; the cases the bug cannot touch still pass; docs/python.md's sample
  failure is one of them. (correct also checks that docs/python.md shows the example as it is.)
usage: pytest_plugin_test.py VENV BNCONF REPO OUT_DIR correct|wrong"""
import os
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

SUPPORTED_DTYPES = ("f64", "f32")
SUPPORTED_OPERATIONS = ("forward_train", "forward_eval")


def core_cases(bnconf):
    """{case id: (operation, dtype)} as `bnconf list --tier core` prints them."""
    listed = subprocess.run([bnconf, "list", "--tier", "core"], capture_output=True, text=True,
                            check=True)
    cases = {}
    for line in listed.stdout.splitlines():
        case_id, _, operation, dtype = line.split()[:4]
        cases[case_id] = (operation, dtype)
    return cases


def run_pytest(venv, module, out, *options, pythonpath=None):
    """pytest in the venv, from OUT_DIR, writing nothing into the checkout; returns
    (exit status, output, {case id: (outcome, message, text)}, seconds)."""
    shutil.rmtree(os.path.join(out, "tmp"), ignore_errors=True)
    junit = os.path.join(out, "junit.xml")
    if os.path.exists(junit):
        os.unlink(junit)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "BNCONF_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start = time.perf_counter()
    done = subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pytest", module, "-q",
                           "-p", "no:cacheprovider", "--basetemp", os.path.join(out, "tmp"),
                           "--junitxml", junit, *options],
                          capture_output=True, text=True, env=env, cwd=out)
    seconds = time.perf_counter() - start
    outcomes = {}
    if os.path.exists(junit):
        for case in ElementTree.parse(junit).getroot().iter("testcase"):
            name = case.get("name")
            case_id = name[name.index("[") + 1:-1] if "[" in name else name
            found = [e for e in case if e.tag in ("failure", "error", "skipped")]
            if found:
                outcomes[case_id] = (found[0].tag, found[0].get("message", ""),
                                     found[0].text or "")
            else:
                outcomes[case_id] = ("passed", "", "")
    return done.returncode, done.stdout + done.stderr, outcomes, seconds


def by_outcome(outcomes, outcome):
    return {case_id for case_id, (o, _, _) in outcomes.items() if o == outcome}


def docs_block(repo, marker, language):
    """The code block after the line `<!-- MARKER... -->` of docs/python.md."""
    with open(os.path.join(repo, "docs", "python.md"), encoding="utf-8") as f:
        text = f.read()
    after = text.split(f"<!-- {marker}", 1)[1].split("\n", 1)[1]
    assert after.startswith(f"```{language}\n"), after[:80]
    return after[len(language) + 4:].split("```\n", 1)[0]


def check_correct(venv, bnconf, repo, out):
    cases = core_cases(bnconf)
    module = os.path.join(repo, "python", "examples", "test_numpy_batch_norm.py")
    fixtures = os.path.join(repo, "fixtures")
    with open(module, encoding="utf-8") as f:  # docs/python.md shows the whole example
        assert docs_block(repo, "the file python/examples/test_numpy_batch_norm.py",
                          "python") == f.read(), "docs/python.md's example is not the file"
    status, output, outcomes, seconds = run_pytest(
        venv, module, out, "--bnconf-tier", "core", "--bnconf-cli", bnconf,
        "--bnconf-fixtures", fixtures)
    assert status == 0, output[-3000:]
    assert set(outcomes) == set(cases), set(outcomes) ^ set(cases)  # one test per case, by id
    passed, skipped = by_outcome(outcomes, "passed"), by_outcome(outcomes, "skipped")
    assert passed | skipped == set(cases), "failures or errors: " + output[-3000:]
    reasons = [message for o, message, _ in outcomes.values() if o == "skipped"]
    assert all(m.startswith("unsupported: ") and len(m) > 20 for m in reasons), reasons[:5]
    runnable = {c for c, (op, dt) in cases.items()
                if op in SUPPORTED_OPERATIONS and dt in SUPPORTED_DTYPES}
    assert passed <= runnable, passed - runnable
    evals = {c for c in runnable if cases[c][0] == "forward_eval"}
    assert evals <= passed, evals - passed
    assert passed - evals, "no forward_train case passed"
    print(f"correct: {len(cases)} tests, {len(passed)} passed, {len(skipped)} skipped "
          f"(unsupported), 0 failed, in {seconds:.1f} s")

    # (options, pytest's exit status, what the message names): a bad option given is a usage
    # error (4); with no option, no fixtures (the installed package is not in a checkout) is a
    # collection error (2); no bnconf executable is an error of every test (1)
    one = ["--bnconf-filter", "core.sizes.3x17.*"]
    problems = [
        ([], 2, "--bnconf-fixtures"),
        (one, 4, "--bnconf-fixtures"),
        (one + ["--bnconf-fixtures", fixtures, "--bnconf-tier", "cor"], 4,
         "--bnconf-tier: no tier"),
        (one + ["--bnconf-fixtures", os.path.join(out, "nowhere")], 4, "nowhere is neither"),
        (one + ["--bnconf-fixtures", fixtures, "--bnconf-cli", os.path.join(out, "nowhere")], 1,
         "nowhere: not an executable file"),
    ]
    for options, expected, named in problems:
        status, output, outcomes, _ = run_pytest(venv, module, out, *options)
        assert status == expected and named in output, (options, status, output[-2000:])
        assert {o for o, _, _ in outcomes.values()} <= {"error"}, outcomes


def check_wrong(venv, bnconf, repo, out):
    cases = core_cases(bnconf)
    module = os.path.join(repo, "suites", "python", "material", "test_swapped_variance.py")
    status, output, outcomes, seconds = run_pytest(
        venv, module, out, "--bnconf-tier", "core", "--bnconf-cli", bnconf,
        "--bnconf-fixtures", os.path.join(repo, "fixtures"),
        pythonpath=os.path.join(repo, "python", "examples"))
    assert status == 1, output[-3000:]
    failed, passed = by_outcome(outcomes, "failure"), by_outcome(outcomes, "passed")
    assert failed and not by_outcome(outcomes, "error"), output[-3000:]
    assert {cases[c][0] for c in failed} <= set(SUPPORTED_OPERATIONS), failed
    # training normalises wrongly: most forward_train cases that ran fail (not all: an empty
    # batch or a constant channel has the same variance either way)
    trained = {c for c in failed | passed if cases[c][0] == "forward_train"}
    assert len(trained & failed) > len(trained) / 2, trained - failed
    assert any(cases[c][0] == "forward_eval" for c in passed), "frozen statistics untouched"
    for case_id in failed:
        _, message, text = outcomes[case_id]
        operation, dtype = cases[case_id]
        for said in (f"fail  {case_id}  ({dtype}, ", "worst element", ", error ", ", bound ",
                     "rerun: bnconf check --results "):
            assert said in text and said in message, (case_id, said, text)
    # docs/python.md's sample failure is this test's, line for line ("..." stands for the rest)
    sample = docs_block(repo, "a failure of suites/python/material/test_swapped_variance.py",
                        "text").splitlines()
    sample_id = sample[0].split()[1]
    for line in sample:
        if line.strip() != "..." and not line.startswith("rerun: "):
            assert line in outcomes[sample_id][2].splitlines(), (line, outcomes[sample_id][2])
    # the rerun line judges the case again, with the same text
    case_id = sorted(failed)[0]
    text = outcomes[case_id][2]
    rerun = shlex.split(text.split("rerun: ", 1)[1].splitlines()[0])
    again = subprocess.run([bnconf] + rerun[1:], capture_output=True, text=True)
    block = text.split("rerun: ")[0].strip()
    assert again.returncode == 1 and block in again.stdout, (rerun, again.stdout[-2000:])
    print(f"wrong: {len(outcomes)} tests, {len(failed)} failed with bnconf's text, "
          f"{len(passed)} passed, in {seconds:.1f} s; rerun of {case_id} fails it again")


if __name__ == "__main__":
    venv, bnconf, repo, out, mode = sys.argv[1:]
    if not os.path.exists(os.path.join(venv, "bin", "python")):  # the install test skipped
        print(f"SKIP: no venv {venv} (python.package.pip_installs made none)")
        sys.exit(77)
    os.makedirs(out, exist_ok=True)
    {"correct": check_correct, "wrong": check_wrong}[mode](venv, bnconf, repo, out)
    print("1 passed, 0 failed")
