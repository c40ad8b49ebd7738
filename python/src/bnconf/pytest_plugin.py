"""pytest plugin (entry point `bnconf`, pyproject's pytest11): one test per bnconf case for a
Python BatchNorm, each judged by bnconf's own judge (`bnconf check`, bnconf.judge).

In a test module:

    from bnconf.pytest_plugin import conformance_cases
    test_my_batch_norm = conformance_cases(MyRunner())

or, with a body of one's own (setup, extra assertions):

    @pytest.mark.bnconf(MyRunner())
    def test_my_batch_norm(bnconf_verdict):
        bnconf_verdict.assert_conformant()

The runner is a producer's runner (bnconf.producer: `run(case)`, `Unsupported` for what it
declines, optional `name`, `version`, `omitted_outputs`), typically a bnconf.layer.LayerRunner
subclass, whose class attributes declare what it supports (dtypes, operations, layouts,
running-statistics semantics). Each selected case becomes a test whose id is the case id: an
unsupported case is skipped with the runner's reason, a case bnconf does not pass fails with
bnconf's failure text (outputs, worst element, error, bound, rerun line).

Cost: a `bnconf check` call spends about half a second loading and verifying the fixtures,
whether it judges one case or all of them. So the first test of a runner that needs a verdict
runs the runner on every case of that runner this session will test (after -k and other
deselection), writes one results file and judges it with one `bnconf check`; the other tests
read their verdicts. The results file stays in pytest's temporary directory (the last three
sessions are kept), so the rerun line in a failure works after the session.

Options (each also read from the environment where said): --bnconf-fixtures DIR (repeatable;
default $BNCONF_FIXTURES, else the checkout's fixtures/), --bnconf-tier LIST, --bnconf-filter F
(bnconf's filter syntax, bnconf.case_filter), --bnconf-cli PATH (default $BNCONF_CLI, else
`bnconf` on PATH)."""
import os
import re
import warnings
from dataclasses import dataclass

import pytest

from bnconf import judge
from bnconf.fixtures import (default_fixtures_dir, fixture_files, read_case, selected_ids,
                             tier_names)
from bnconf.producer import produce
from bnconf.results import ResultsWriter

MARKER = "bnconf"
CASE_PARAMETER = "bnconf_case_id"


class BnconfMistrustedWarning(UserWarning):
    """A case passed, but bnconf says no checked element could tell a wrong formula from a
    right one: not evidence of conformance."""


def conformance_cases(runner):
    """A test function, to assign to a `test_*` name, with one test per selected case for
    `runner`."""
    @pytest.mark.bnconf(runner)
    def test_conformance(bnconf_verdict):
        bnconf_verdict.assert_conformant()
    return test_conformance


# ---- options and collection ---------------------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("bnconf", "bnconf conformance cases")
    group.addoption("--bnconf-fixtures", action="append", metavar="DIR", default=None,
                    help="fixture directory or .h5 file, repeatable (default: $BNCONF_FIXTURES, "
                    "else the fixtures/ of the bnconf checkout the package runs from)")
    group.addoption("--bnconf-tier", metavar="LIST", default=None,
                    help="only these tiers, comma-separated, as bnconf's --tier")
    group.addoption("--bnconf-filter", metavar="F", default=None,
                    help="bnconf's case filter, as `bnconf run --filter`: patterns separated by "
                    "':', negative ones after '-', '*' and '?' wildcards")
    group.addoption("--bnconf-cli", metavar="PATH", default=None,
                    help="the bnconf executable that judges (default: $BNCONF_CLI, else bnconf "
                    "on PATH)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{MARKER}(runner): one test per selected bnconf case for the runner (a "
        "bnconf producer runner); the test takes the bnconf_verdict fixture")
    session = _Session(config)
    config.pluginmanager.register(session, "bnconf-session")
    # Options given are checked now (a bad one is a usage error, exit 4); without any, the
    # fixtures are looked for only when a bnconf test is collected, so that the plugin costs
    # nothing to a test suite that has none.
    if any(config.getoption(o) for o in ("bnconf_fixtures", "bnconf_tier", "bnconf_filter")):
        session.selection()


@dataclass
class _Selection:
    fixtures: list  # the fixture paths, as given to bnconf check
    tiers: list
    case_filter: str
    files: dict  # case id -> the fixture file holding it


def _selection(config):
    """The options, checked: pytest.UsageError naming the option whose value cannot be used."""
    def stop(text):
        raise pytest.UsageError(f"bnconf: {text}")

    try:
        # absolute, so that the rerun line in a failure works from any directory
        fixtures = [os.path.abspath(p) for p in
                    config.getoption("bnconf_fixtures") or [default_fixtures_dir()]]
        files = fixture_files(fixtures)
    except (FileNotFoundError, ValueError) as e:
        stop(f"--bnconf-fixtures: {e}")
    if not files:
        stop(f"--bnconf-fixtures {' '.join(fixtures)}: no .h5 file there")
    tiers = [t for t in (config.getoption("bnconf_tier") or "").split(",") if t]
    known = tier_names(files)
    for tier in tiers:
        if tier not in known:
            stop(f"--bnconf-tier: no tier {tier!r} in the fixtures (they hold "
                 f"{', '.join(sorted(known))})")
    case_filter = config.getoption("bnconf_filter") or ""
    ids = selected_ids(files, tiers, case_filter)
    return _Selection(fixtures, tiers, case_filter, {case_id: path for path, case_id in ids})


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None:
        return
    if len(marker.args) != 1 or marker.kwargs:
        raise TypeError(f"@pytest.mark.{MARKER} takes one argument, the runner")
    session = metafunc.config.pluginmanager.get_plugin("bnconf-session")
    try:
        ids = list(session.selection().files)
    except pytest.UsageError as e:  # a collection error with the message alone
        pytest.fail(str(e), pytrace=False)
    metafunc.parametrize(CASE_PARAMETER, ids, ids=ids)


# ---- verdicts ---------------------------------------------------------------------------------

@dataclass
class CaseVerdict:
    """What the runner and bnconf said about one case."""
    case_id: str
    status: str  # "unsupported" (the runner declined), else bnconf's status
    text: str  # the runner's reason, or bnconf's failure text

    def assert_conformant(self):
        """Skips an unsupported case with the runner's reason, fails a case bnconf did not pass
        with bnconf's failure text, warns about a mistrusted pass."""
        if self.status == "unsupported":
            pytest.skip(f"unsupported: {self.text}")
        if self.status == "mistrusted":
            warnings.warn(BnconfMistrustedWarning(f"{self.case_id}: {self.text}"))
        elif self.status != "pass":
            pytest.fail(self.text, pytrace=False)


class _Session:
    """The session's state: the selection, and each runner's verdicts once judged."""

    def __init__(self, config):
        self.config = config
        self._selection = None
        self.verdicts = {}  # id(runner) -> {case id: CaseVerdict}, or the JudgeError

    def selection(self):
        if self._selection is None:
            self._selection = _selection(self.config)
        return self._selection

    def verdict(self, request, runner, case_id):
        key = id(runner)
        if key not in self.verdicts:
            try:
                self.verdicts[key] = self._judge(request, runner)
            except judge.JudgeError as e:
                self.verdicts[key] = e
        verdicts = self.verdicts[key]
        if isinstance(verdicts, judge.JudgeError):
            pytest.fail(str(verdicts), pytrace=False)
        return verdicts[case_id]

    def _judge(self, request, runner):
        """Runs the runner on every case of this session's tests of it, then one bnconf
        check."""
        cli = judge.find_cli(self.config.getoption("bnconf_cli"))
        selection = self.selection()
        case_ids = []
        for item in request.session.items:
            marker = item.get_closest_marker(MARKER)
            if marker and marker.args[0] is runner and hasattr(item, "callspec"):
                case_ids.append(item.callspec.params[CASE_PARAMETER])
        name = getattr(runner, "name", None) or getattr(runner, "framework", None) or "python"
        writer = ResultsWriter(name, getattr(runner, "version", "") or "unknown")
        produce(runner, (read_case(selection.files[case_id], case_id)
                         for case_id in dict.fromkeys(case_ids)), writer)
        directory = request.getfixturevalue("tmp_path_factory").mktemp("bnconf")
        results = str(directory / f"results-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.h5")
        writer.write(results)
        judged = judge.check(cli, results, selection.fixtures, selection.tiers,
                             selection.case_filter)
        verdicts = {}
        for case_id, (status, message, _) in writer.entries.items():
            if status == "unsupported":
                verdicts[case_id] = CaseVerdict(case_id, status, message)
            elif case_id not in judged:
                verdicts[case_id] = CaseVerdict(case_id, "internal_error",
                                                f"bnconf check of {results} did not judge it")
            else:
                found = judged[case_id]
                verdicts[case_id] = CaseVerdict(case_id, found.status, found.text)
        return verdicts


@pytest.fixture
def bnconf_verdict(request, bnconf_case_id):
    """The verdict of the test's case for the runner of its @pytest.mark.bnconf marker."""
    marker = request.node.get_closest_marker(MARKER)
    session = request.config.pluginmanager.get_plugin("bnconf-session")
    return session.verdict(request, marker.args[0], bnconf_case_id)


@pytest.fixture
def bnconf_case_id():
    """Parametrized with the selected case ids for tests marked @pytest.mark.bnconf."""
    pytest.fail(f"bnconf_case_id is only given to tests marked @pytest.mark.{MARKER}(runner)",
                pytrace=False)
