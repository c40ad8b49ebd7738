"""The loop shared by every Python producer: read cases, let a framework runner compute them,
write a results file that `bnconf check --results FILE` judges.

A runner is an object with `name` (backend_name), `version` (backend_version: framework version
and device) and `run(case) -> {output name: numpy array}` in logical (N, C, ...) order. A runner
whose framework does not expose some of the saved batch statistics (batch_mean, batch_var,
saved_invstd: optional outputs for bnconf's judge) lists them in `omitted_outputs`, a dict
{name: reason}; every other expected output must be computed. It raises
`Unsupported(reason)` for a configuration its framework cannot express faithfully; any other
exception is the framework's answer: `invalid_argument` for an error-tier case (the input was
rejected, as it should be), `backend_error` for a valid case."""
import argparse
import os
import pickle
import time
import traceback

import numpy as np

from bnconf.fixtures import default_fixture_paths, iter_cases
from bnconf.results import ResultsWriter


class Unsupported(Exception):
    """The framework cannot express the case's configuration; the message says why."""


# ---- what a case asks of a framework's semantics (docs/semantics.md) -------------------------

def updates_running_stats(case):
    """True when the case's expected outputs contain updated running statistics, i.e. when the
    momentum convention and the running-variance estimator are observable."""
    return case.tracked and case.entry in ("forward_train", "sequence", "pipeline")


def require_running_update(case, framework, conventions, estimator, cumulative=False):
    """Unsupported unless the framework's running-statistics update is the case's: the same
    momentum convention (or a cumulative average it implements) and the same estimator.
    A convention is never translated (1 - m is not exact in binary floating point)."""
    if not updates_running_stats(case):
        return
    if case.momentum is None:
        if not cumulative:
            raise Unsupported(f"{framework} has no cumulative-average momentum (momentum=None)")
    elif case.convention not in conventions:
        raise Unsupported(f"{framework} updates running statistics with convention "
                          f"{'/'.join(conventions)}, the case uses {case.convention}")
    if case.estimator != estimator:
        raise Unsupported(f"{framework}'s running variance uses the {estimator} estimator, "
                          f"the case uses {case.estimator}")


def is_training(case):
    """Whether the entry point normalises with batch statistics (untracked eval does too)."""
    return case.entry in ("forward_train", "backward_train", "sequence", "pipeline") or (
        case.entry in ("forward_eval", "backward_eval") and not case.tracked)


def require_population_estimator(case, framework):
    """For frameworks whose only estimator is the population variance (ONNX, Keras, Flax, TF's
    moments): a case whose expected rejection of one value per channel comes from the unbiased
    estimator is not theirs to reject, and a case whose running variance uses another
    estimator is not theirs to compute."""
    if is_training(case) and case.values_per_channel == 1 and case.estimator == "unbiased":
        raise Unsupported(f"{framework}'s running-variance estimator accepts M = 1; the case's "
                          "M = 1 rejection comes from the unbiased estimator")


def require_any_rank_error(case, framework):
    """Frameworks that normalise over every axis but the feature axis accept any rank; the
    errors tier's 2..5 limit is PyTorch's."""
    if case.operation == "error" and case.expected_error == "bad_rank" and case.rank > 5:
        raise Unsupported(f"{framework} BatchNorm is defined for any rank (it reduces every axis "
                          "but the feature axis); the 2..5 limit is PyTorch's")


# ---- running a callable in a child process ------------------------------------------------------

def call_isolated(fn):
    """Runs fn() in a forked child and returns its result. Used for calls known to kill the
    process on some inputs (e.g. a SIGFPE on an empty batch), so that one case cannot take the
    whole producer down. Raises RuntimeError naming the signal if the child dies."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            payload = pickle.dumps(("ok", fn()))
        except BaseException as e:  # the child reports every exception to the parent
            payload = pickle.dumps(("error", f"{type(e).__name__}: {e}"))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise RuntimeError(f"the call killed the process with signal {os.WTERMSIG(status)}")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise RuntimeError(value)
    return value


# ---- the loop -----------------------------------------------------------------------------------

def produce(runner, cases, writer, verbose=False):
    """Runs the runner on each case into the writer. A crash of the loop itself (a bug, not the
    framework's answer) is recorded as the case's backend_error, and the loop goes on."""
    for case in cases:
        try:
            run_case(runner, case, writer)
        except Exception:
            writer.add(case.id, "backend_error", "producer crashed: " + traceback.format_exc())
        if verbose:
            status, message, _ = writer.entries[case.id]
            print(f"{case.id}: {status} {message[:160]}", flush=True)


def run_case(runner, case, writer):
    """One case: the runner's outputs, its Unsupported or its exception, as a result."""
    try:
        outputs = runner.run(case)
    except Unsupported as e:
        writer.add(case.id, "unsupported", str(e))
        return
    except Exception as e:  # the framework's own answer, whatever its exception type
        text = f"{type(e).__name__}: {e}".strip()[:2000]
        writer.add(case.id, "invalid_argument" if case.operation == "error" else "backend_error",
                   text)
        return
    if case.operation == "error":  # the invalid input was accepted; no output is compared
        writer.add(case.id, "ok", "the framework accepted the invalid input")
        return
    omitted = getattr(runner, "omitted_outputs", {})
    missing = sorted(set(case.expected) - set(outputs) - set(omitted))
    selected = {}
    for name, shape in case.expected.items():
        if name in outputs:
            selected[name] = np.asarray(outputs[name], dtype=np.float64).reshape(shape)
    if missing:  # a producer bug, not the framework's: say so
        writer.add(case.id, "backend_error", f"producer did not compute {', '.join(missing)}")
        return
    notes = [outputs["__message__"]] if outputs.get("__message__") else []
    not_exposed = sorted(set(case.expected) & set(omitted) - set(outputs))
    if not_exposed:
        notes.append("not exposed by the framework: " + "; ".join(
            f"{name} ({omitted[name]})" for name in not_exposed))
    writer.add(case.id, "ok", "; ".join(notes), selected)


def main(make_runner, description, argv=None, add_arguments=None):
    """The producer's command line. `add_arguments(parser)`, if given, adds the producer's own
    options; `make_runner` is then called with the parsed arguments, else with the device."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fixtures", nargs="+", default=None,
                        help="fixture files or directories (default: the committed fixtures/)")
    parser.add_argument("--out", required=True, help="results file to write")
    parser.add_argument("--tier", default=None,
                        help="only these tiers, comma-separated, as bnconf's --tier")
    parser.add_argument("--filter", default=None,
                        help="bnconf's filter syntax, as `bnconf run --filter`: patterns "
                        "separated by ':', negative ones after '-', e.g. 'core.*-*.bf16*'")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--verbose", action="store_true", help="print each case's status")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    runner = make_runner(args) if add_arguments else make_runner(args.device)
    writer = ResultsWriter(runner.name, runner.version)
    tiers = args.tier.split(",") if args.tier else None
    produce(runner, iter_cases(args.fixtures or default_fixture_paths(), args.filter, tiers),
            writer, args.verbose)
    writer.write(args.out)
    counts = " ".join(f"{k}:{v}" for k, v in writer.counts().items())
    print(f"{runner.name} {runner.version}: {len(writer.entries)} cases, {counts}; "
          f"wall time {time.perf_counter() - start:.1f} s -> {args.out}")
    return 0
