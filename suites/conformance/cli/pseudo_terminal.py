"""Running bnconf as on a person's terminal: the tests of what it draws there (progress_test.py,
quiet_test.py) run it under a pseudo-terminal, since it draws progress only when its stderr is a
terminal."""
import os
import pty
import subprocess


def run_on_terminal(command, env, stdout_on_terminal=True, timeout=600):
    """Runs command (a list) with stderr, and stdout unless stdout_on_terminal is false (then
    discarded), on a new pseudo-terminal; returns (exit status, everything written to the
    terminal, decoded as UTF-8 with replacement)."""
    primary, secondary = pty.openpty()
    stdout = secondary if stdout_on_terminal else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=stdout, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    status = process.wait(timeout=timeout)
    return status, b"".join(chunks).decode(errors="replace")
