"""Live progress of ``moodlelogsmart process``: redrawn in place on a terminal (a real
pseudo-terminal here), never on a pipe, with --json or with --quiet; Ctrl+C still cancels."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.jobs.test_cli import (
    JSON_FIELDS,
    REPO,
    cli_env,
    needs_worker,
    run_cli,
    slow_log,
)

__all__ = ["slow_log"]  # the session fixture: about 200,000 rows, a few seconds of work

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STAGES = "starting|read|detect|normalise|clean|classify|export|package"
GIVEN_BACK = re.compile(r"\x1b\[\?25h(\r|\x1b\[1A|\x1b\[2K)*$")
FRAME = re.compile(rf"slow log\.csv\s+({STAGES})\s+[━╸╺╾╼─ ]*?\s*(\d+)%")


def run_in_pty(
    *args: str,
    interrupt_when: str | None = None,
    stderr_to: Path | None = None,
    timeout: float = 120,
) -> tuple[int, str]:
    """Run the command line with a 100x30 pseudo-terminal as stdout and stderr (or stderr
    into the file ``stderr_to``); return the exit status and everything written to the
    terminal. ``interrupt_when``: send SIGINT (what Ctrl+C does) once this text appears."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = cli_env({"TERM": "xterm-256color"})
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    errors = stderr_to.open("wb") if stderr_to is not None else None
    process = subprocess.Popen(
        [sys.executable, "-m", "moodlelogsmart_gui.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=errors or slave,
        env=env,
        cwd=REPO,
    )
    os.close(slave)
    if errors is not None:
        errors.close()
    output = bytearray()
    interrupted = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every writer of the terminal has closed it
                    break
                if not data:
                    break
                output += data
            text = output.decode("utf-8", "replace")
            if interrupt_when and not interrupted and interrupt_when in ANSI.sub("", text):
                process.send_signal(signal.SIGINT)
                interrupted = True
        code = process.wait(timeout=30)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, output.decode("utf-8", "replace")


@needs_worker
@pytest.mark.slow
def test_progress_is_redrawn_in_place_on_a_terminal(tmp_path: Path, slow_log: Path) -> None:
    code, raw = run_in_pty("process", str(slow_log), "--out", str(tmp_path))
    assert code == 0, raw
    text = ANSI.sub("", raw).replace("\r", "\n")
    before, final, after = text.partition("completed  ")
    assert final, text
    frames = FRAME.findall(before)
    percents = [int(percent) for _stage, percent in frames]
    assert len(frames) >= 3, before
    assert percents == sorted(percents) and len(set(percents)) >= 2, frames
    assert "0 done, 1 running, 0 queued" in before
    assert "events/s" in before  # once the worker has counted the events read
    assert "\x1b[1A" in raw and "\x1b[2K" in raw  # cursor up, erase line: redrawn in place
    assert GIVEN_BACK.search(raw)  # the cursor shown again, the live lines erased
    assert not FRAME.search(after)  # no running job's line is drawn after the result
    assert "1 done, 0 running, 0 queued" in after
    assert "slow log.csv ->" in after and "(200000 rows in" in after
    assert len(list(tmp_path.glob("*.zip"))) == 1


@needs_worker
@pytest.mark.slow
def test_no_progress_on_a_pipe_with_json_or_quiet(tmp_path: Path, slow_log: Path) -> None:
    piped = run_cli("process", str(slow_log), "--out", str(tmp_path / "a"), timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.count("\n") == 1 and piped.stdout.startswith("completed  ")
    assert "\x1b" not in piped.stdout + piped.stderr and "%" not in piped.stdout

    code, raw = run_in_pty("process", str(slow_log), "--json", "--out", str(tmp_path / "b"))
    assert code == 0, raw
    assert "\x1b" not in raw
    lines = raw.replace("\r\n", "\n").splitlines()
    assert len(lines) == 1 and list(json.loads(lines[0])) == JSON_FIELDS

    code, raw = run_in_pty("process", str(slow_log), "--quiet", "--out", str(tmp_path / "c"))
    assert code == 0, raw
    assert raw == ""  # quiet: only jobs that did not complete are printed
    assert len(list((tmp_path / "c").glob("*.zip"))) == 1


@needs_worker
@pytest.mark.slow
def test_ctrl_c_on_a_terminal_cancels_and_gives_the_cursor_back(
    tmp_path: Path, slow_log: Path
) -> None:
    code, raw = run_in_pty(
        "process", str(slow_log), str(slow_log), "--out", str(tmp_path), interrupt_when="1 queued"
    )
    assert code == 130, raw
    text = ANSI.sub("", raw)
    assert "Interrupted: cancelling the running jobs..." in text
    assert text.count("CANCELLED  ") == 2 and "Traceback" not in text
    assert GIVEN_BACK.search(raw)
    assert not list(tmp_path.glob("*.zip"))


@needs_worker
@pytest.mark.slow
def test_with_stderr_redirected_its_sentences_stay_out_of_the_terminal(
    tmp_path: Path, slow_log: Path
) -> None:
    errors = tmp_path / "errors.log"
    code, raw = run_in_pty(
        "process", str(slow_log), "--out", str(tmp_path), interrupt_when="running", stderr_to=errors
    )
    assert code == 130, raw
    assert "Interrupted" not in raw and "CANCELLED  " in ANSI.sub("", raw)
    assert errors.read_text(encoding="utf-8") == "Interrupted: cancelling the running jobs...\n"
