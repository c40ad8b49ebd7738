"""Judging a results file with bnconf's own judge: `bnconf check --results FILE --junit REPORT`,
then each case's verdict read from the JUnit report, whose failure text is bnconf's (the
failing outputs with their worst element, error and bound, and the rerun line). Python never
judges: the tolerance model lives in the CLI alone.

One `bnconf check` call costs about half a second of CPU whatever it judges (it loads and
verifies the fixture files; judging a case is a fraction of a millisecond), so callers judge many
cases per call."""
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

# JUnit elements of bnconf's statuses (conformance/src/result.cpp, status_table): a case with
# none of them passed; its `type` attribute is bnconf's status.
_ELEMENTS = ("failure", "error", "skipped")


@dataclass
class Verdict:
    case_id: str
    status: str  # bnconf's status: pass, fail, unsupported, backend_error, mistrusted, ...
    text: str = ""  # bnconf's failure text, ending with the rerun line; mistrusted: its reason

    @property
    def passed(self):
        """Whether bnconf's exit status counts the case as passed (mistrusted does)."""
        return self.status in ("pass", "mistrusted")


class JudgeError(RuntimeError):
    """bnconf check could not judge (a file it cannot use, a fixture that did not load)."""


def find_cli(explicit=None):
    """The bnconf executable: `explicit`, else $BNCONF_CLI, else `bnconf` on PATH. Raises
    JudgeError saying where it looked."""
    for origin, value in (("--bnconf-cli", explicit), ("BNCONF_CLI", os.environ.get("BNCONF_CLI"))):
        if value:
            path = shutil.which(value)
            if path is None:
                raise JudgeError(f"{origin}={value}: not an executable file")
            return path
    path = shutil.which("bnconf")
    if path is None:
        raise JudgeError("no bnconf executable: pass --bnconf-cli PATH, set BNCONF_CLI or put "
                         "bnconf on PATH")
    return path


def check(cli, results, fixtures, tiers=None, case_filter=None):
    """Runs `bnconf check` on `results` over the selection (fixture paths, tiers, filter) and
    returns {case id: Verdict}; a selected case without a result in the file is reported by
    bnconf as backend_error "no result". Raises JudgeError when bnconf reports a problem with
    the run itself (load errors) or wrote no report."""
    with tempfile.TemporaryDirectory(prefix="bnconf-check-") as scratch:
        report = os.path.join(scratch, "report.xml")
        command = [cli, "check", "--results", results, "--junit", report, "--allow-empty"]
        for path in fixtures:
            command += ["--fixtures", path]
        if tiers:
            command += ["--tier", ",".join(tiers)]
        if case_filter:
            command += ["--filter", case_filter]
        done = subprocess.run(command, capture_output=True, text=True)
        if not os.path.exists(report):
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            raise JudgeError(f"{' '.join(command)} exited {done.returncode} without a report: "
                             f"{said[-1] if said else 'no output'}")
        return read_junit(report)


def read_junit(path):
    """{case id: Verdict} of a bnconf JUnit report; JudgeError for the run's own problems
    (testsuite bnconf.run: load errors, an incomplete run)."""
    verdicts = {}
    for suite in ElementTree.parse(path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            found = next((case.find(tag) for tag in _ELEMENTS if case.find(tag) is not None), None)
            if suite.get("name") == "bnconf.run":
                raise JudgeError(f"bnconf check: {case.get('name')}: {found.get('message')}")
            case_id = case.get("name")
            if found is not None:
                verdicts[case_id] = Verdict(case_id, found.get("type"), (found.text or "").strip())
                continue
            said = case.find("system-out")  # a pass-like status other than pass: its reason
            if said is not None and said.text:
                status, _, message = said.text.partition(": ")
                verdicts[case_id] = Verdict(case_id, status, message.strip())
            else:
                verdicts[case_id] = Verdict(case_id, "pass")
    return verdicts
