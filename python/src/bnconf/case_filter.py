"""bnconf's case filter, the syntax of the CLI's `--filter` (conformance/src/runner.cpp,
`filter_matches`), so that a Python producer or the pytest plugin selects exactly the cases
`bnconf list --filter F` lists.

A filter is gtest-style: positive patterns separated by ':', then optionally '-' and negative
patterns separated by ':'. A case id is selected when it matches some positive pattern (or there
is none) and no negative one. In a pattern, '*' matches any run of characters and '?' exactly
one; every other character, '[' included, matches itself. The empty filter selects every case.

The match is the same greedy algorithm as the C++ one, byte for byte on UTF-8: it remembers only
the last '*' and where that '*' started matching, so it takes at most |pattern| x |id| steps on
any pattern. (fnmatch is not this syntax: it reads '[...]' as a character class and knows no ':'
or '-'.)"""


def glob_matches(pattern, text):
    """Whether `text` matches one pattern ('*' and '?' wildcards; no escapes, no classes)."""
    pattern, text = pattern.encode(), text.encode()
    p = t = 0
    star, resume = None, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] in (ord("?"), text[t]):
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == ord("*"):
            star, resume = p, t
            p += 1
        elif star is not None:
            # let the last '*' absorb one more character and retry from there
            p = star + 1
            resume += 1
            t = resume
        else:
            return False
    while p < len(pattern) and pattern[p] == ord("*"):
        p += 1
    return p == len(pattern)


def _any_matches(patterns, case_id):
    return any(p and glob_matches(p, case_id) for p in patterns.split(":"))


def filter_matches(case_filter, case_id):
    """Whether the filter selects `case_id` (None or "" select every case)."""
    if not case_filter:
        return True
    positive, dash, negative = case_filter.partition("-")
    return (not positive or _any_matches(positive, case_id)) and not (
        dash and _any_matches(negative, case_id))
