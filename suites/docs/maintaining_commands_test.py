#!/usr/bin/env python3
"""The commands of docs/maintaining.md exist (ctest docs.maintaining_commands_exist), so that the
page cannot drift from the tool:

- every command line of its ```sh blocks names a program this test knows how to check, and
  - `bnconf VERB ...`: the verb answers --help, and every --option the line uses is in that help;
  - `scripts/NAME ...`: the script is executable, answers --help, and has every --option used;
  - `h5diff`, `git SUB`: the program (and subcommand) answer their help with every option used;
  - `ctest` / `cmake --build`: the --preset is one of CMakePresets.json's, each -L label and -R
    test name selects at least one test of the build, each --target is a target of the build;
- the catalogue entry the page quotes (the json block after its "tested by" marker) is an entry
  of the group it names.

usage: maintaining_commands_test.py BNCONF SOURCE_ROOT BUILD_DIR
"""
import json
import pathlib
import re
import shlex
import subprocess
import sys

BNCONF, ROOT, BUILD = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
PAGE = ROOT / "docs" / "maintaining.md"
FAILURES = []


def fail(line, why):
    FAILURES.append(f"{line}: {why}")


def output(command, accept=(0,)):
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr) if done.returncode in accept else None


def options_of(words):
    """The long and short options a command line uses ("--tier", "-r"), without values."""
    return [w.split("=")[0] for w in words if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", w)]


def has_options(line, help_text, words, what):
    if help_text is None:
        fail(line, f"{what} does not answer its help")
        return
    for option in options_of(words):
        if not re.search(r"(^|[\s,\[])" + re.escape(option) + r"\b", help_text):
            fail(line, f"{what} has no option {option}")


def presets(kind):
    return {p["name"] for p in json.loads((ROOT / "CMakePresets.json").read_text())[kind]}


def tests_selected(selector, value):
    listing = output(["ctest", "--test-dir", str(BUILD), "-N", selector, value])
    found = re.search(r"Total Tests: (\d+)", listing or "")
    return int(found.group(1)) if found else 0


def check_ctest(line, words):
    for flag, value in zip(words, words[1:]):
        if flag == "--preset" and value not in presets("testPresets"):
            fail(line, f"no test preset {value}")
        if flag in ("-L", "-R") and tests_selected(flag, value) == 0:
            fail(line, f"{flag} {value} selects no test of the build")


def check_cmake(line, words):
    targets = output(["cmake", "--build", str(BUILD), "--target", "help"]) or ""
    for flag, value in zip(words, words[1:]):
        if flag == "--preset" and value not in presets("buildPresets"):
            fail(line, f"no build preset {value}")
        if flag == "--target" and not re.search(r"\b" + re.escape(value) + r"\b", targets):
            fail(line, f"no target {value}")


def check(line):
    words = shlex.split(line, comments=True)
    if ">" in words:  # a redirection ends the command's own words
        words = words[:words.index(">")]
    if not words:
        return
    program = words[0]
    if program == "bnconf":
        verb = words[1]
        has_options(line, output([BNCONF, verb, "--help"]), words[2:], f"bnconf {verb}")
    elif program.startswith("scripts/"):
        script = ROOT / program
        if not script.is_file() or not script.stat().st_mode & 0o111:
            fail(line, f"{program} is not an executable script of the tree")
            return
        has_options(line, output([str(script), "--help"]), words[1:], program)
    elif program == "h5diff":
        has_options(line, output(["h5diff", "--help"]), words[1:], "h5diff")
    elif program == "git":
        has_options(line, output(["git", words[1], "-h"], accept=(0, 129)), words[2:],
                    f"git {words[1]}")
    elif program == "ctest":
        check_ctest(line, words)
    elif program == "cmake":
        check_cmake(line, words)
    else:
        fail(line, f"{program}: a program this test does not know how to check")


def main():
    text = PAGE.read_text(encoding="utf-8")
    commands = 0
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.strip().startswith("#"):
                commands += 1
                check(line.strip())
    if commands == 0:
        fail(str(PAGE), "no commands found")

    quoted = re.search(r"<!-- tested by ctest docs\.maintaining_commands_exist: an entry of "
                       r"(\w+)\.(\w+) -->\n```json\n(.*?)```", text, re.S)
    if not quoted:
        fail(str(PAGE), "no quoted catalogue entry")
    else:
        tier, name, entry = quoted.group(1), quoted.group(2), json.loads(quoted.group(3))
        catalogue = json.loads((ROOT / "generators" / "catalogue.json").read_text())
        groups = [g for g in catalogue["groups"] if g["tier"] == tier and g["name"] == name]
        if not groups or entry not in groups[0].get("cases", []):
            fail(str(PAGE), f"the quoted entry is not one of the {tier}.{name} group's")

    for failure in FAILURES:
        print("FAIL:", failure)
    print(f"{commands} commands checked, {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
