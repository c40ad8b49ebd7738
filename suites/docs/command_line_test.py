#!/usr/bin/env python3
"""The command lines the docs type out are the tool's (ctest docs.command_lines_are_the_tools).

The README's (the sh block of "## The command line") lists every verb `bnconf --help` lists and
no other,
and for each verb exactly the options its `--help` gives (--help and --version aside), and the
tables it names for `bnconf schema` are those `schema --help` accepts, so that an option or table
added, renamed or removed shows here as a failure until the README says it.

The option table of docs/fuzzing.md lists exactly the options of `bnconf fuzz`, and a default it
gives is the one `bnconf fuzz --help` gives.

Every count line the README and docs/ spell out (`tests:N pass:N ...`, unless cut short with
"...") names every status of `bnconf schema statuses`, in its order.

usage: command_line_test.py BNCONF SOURCE_ROOT
"""
import pathlib
import re
import subprocess
import sys

BNCONF, ROOT = sys.argv[1], pathlib.Path(sys.argv[2])
OPTION = re.compile(r"--[a-z][a-z0-9-]*")
ALWAYS = {"--help", "--version"}


def help_of(*verb):
    done = subprocess.run([BNCONF, *verb, "--help"], capture_output=True, text=True, check=True)
    return done.stdout


def verbs():
    """The subcommands of `bnconf --help` (CLI11 lists them under "Subcommands:")."""
    text = re.split(r"^subcommands:", help_of(), flags=re.M | re.I)[1]
    return {m.group(1) for m in re.finditer(r"^\s+(\w+)\s", text, re.M)}


def options(verb):
    """The options of `bnconf VERB --help` (CLI11: one per line, indented, "-h,--help" forms)."""
    text = re.split(r"^options:", help_of(verb), flags=re.M | re.I)[1]
    found = set()
    for line in text.splitlines():
        head = line.strip().split("  ")[0]  # the option's names, before its description
        if head.startswith("-"):
            found.update(OPTION.findall(head))
    return found - ALWAYS


def help_lines(verb):
    """Option -> the text of its help line."""
    text = re.split(r"^options:", help_of(verb), flags=re.M | re.I)[1]
    lines = {}
    for line in text.splitlines():
        head = line.strip().split("  ")[0]
        for option in OPTION.findall(head) if head.startswith("-") else []:
            lines[option] = line
    return lines


def default_of(text):
    found = re.search(r"default:? (\d+)", text)
    return found.group(1) if found else None


def fuzz_table_failures():
    """The option table of docs/fuzzing.md against `bnconf fuzz --help`."""
    page = (ROOT / "docs" / "fuzzing.md").read_text(encoding="utf-8")
    table = re.search(r"^\| option \| meaning \|\n\|---\|---\|\n((?:\|.*\n)+)", page, re.M)
    if not table:
        return ["docs/fuzzing.md: no option table"]
    failures, listed = [], set()
    real = help_lines("fuzz")
    for row in table.group(1).splitlines():
        cells = row.split("|")
        names, meaning = set(OPTION.findall(cells[1])), cells[2]
        listed |= names
        documented = default_of(meaning)
        for name in sorted(names & set(real)):
            actual = default_of(real[name])
            if documented and actual and documented != actual:
                failures.append(f"docs/fuzzing.md: {name} default {documented}, "
                                f"bnconf fuzz --help says {actual}")
    for extra in sorted(listed - set(real)):
        failures.append(f"docs/fuzzing.md lists fuzz {extra}, which bnconf fuzz does not have")
    for missing in sorted(set(real) - ALWAYS - listed):
        failures.append(f"docs/fuzzing.md does not list bnconf fuzz {missing}")
    return failures


def count_line_failures():
    """The count lines spelt out in the README and docs/ against the status table."""
    table = subprocess.run([BNCONF, "schema", "statuses"], capture_output=True, text=True,
                           check=True).stdout
    statuses = re.findall(r"^\| `(\w+)` \|", table, re.M)
    expected = " ".join(["tests:N"] + [f"{s}:N" for s in statuses])
    failures = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = " ".join(path.read_text(encoding="utf-8").split())  # lines joined
        for line in re.findall(r"`(tests:N [^`]*)`", text):
            if not line.endswith("...") and line != expected:
                failures.append(f"{path.relative_to(ROOT)}: count line `{line}`, bnconf prints "
                                f"`{expected}`")
    return failures


def main():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## The command line\n\n```sh\n(.*?)```", readme, re.S)
    if not block:
        sys.exit("README.md: no sh block under \"## The command line\"")
    listed = {}
    verb = None
    for line in block.group(1).splitlines():
        words = line.split("#")[0].split()
        if words[:1] == ["bnconf"]:
            verb = words[1]
            listed.setdefault(verb, set())
        if verb:
            listed[verb].update(OPTION.findall(line.split("#")[0]))
    failures = []
    known = verbs()
    for extra in sorted(set(listed) - known):
        failures.append(f"README lists a verb bnconf does not have: {extra}")
    for missing in sorted(known - set(listed)):
        failures.append(f"README does not list the verb {missing}")
    for verb in sorted(set(listed) & known):
        real = options(verb)
        for extra in sorted(listed[verb] - real):
            failures.append(f"README lists {verb} {extra}, which bnconf {verb} does not have")
        for missing in sorted(real - listed[verb]):
            failures.append(f"README does not list bnconf {verb} {missing}")
    schema = re.search(r"^bnconf schema TABLE\s+#\s*(.*?)\s*\(", block.group(1), re.M)
    accepted = re.search(r"table TEXT:\{(.*?)\}", help_of("schema"))
    if not schema or not accepted:
        failures.append("no list of schema tables in the README or in bnconf schema --help")
    elif set(schema.group(1).split(", ")) != set(accepted.group(1).split(",")):
        failures.append(f"README's schema tables {schema.group(1)!r}, bnconf schema accepts "
                        f"{accepted.group(1)!r}")
    failures += fuzz_table_failures()
    failures += count_line_failures()
    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(listed)} verbs checked, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
