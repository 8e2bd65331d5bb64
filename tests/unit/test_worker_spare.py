"""The worker's spare mode as a real subprocess: warm-up, the one hand-over line, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from moodlelogsmart_gui.jobs.handover import handover_line, parse_handover, spare_command
from tests.unit.test_worker import TIMEOUT, make_job

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pipes and exit codes as on POSIX")
REPO = Path(__file__).resolve().parents[2]


def start_spare(jobs: Path, scratch: Path) -> subprocess.Popen[bytes]:
    scratch.mkdir(exist_ok=True)
    command = spare_command([sys.executable, "-m", "moodlelogsmart_gui.worker", str(jobs)])
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=dict(os.environ, TMPDIR=str(scratch)),  # where its warm-up writes
    )


def wait_until_warm(process: subprocess.Popen[bytes]) -> None:
    assert process.stderr is not None
    for raw in process.stderr:
        if b"warm, waiting for a job" in raw:
            return
    raise AssertionError("the spare ended before it was warm")


def lines(out: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


def test_the_spare_command_puts_spare_and_the_jobs_folder_last() -> None:
    assert spare_command(["nice", "-n", "10", "python", "-m", "w", "/d/jobs"]) == [
        "nice", "-n", "10", "python", "-m", "w", "--spare", "/d/jobs",
    ]  # fmt: skip


def test_a_handover_line_names_only_a_folder_directly_inside_the_jobs_folder(
    tmp_path: Path,
) -> None:
    jobs = tmp_path / "jobs"
    line = handover_line(jobs / "ab12")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert parse_handover(line.rstrip(b"\n"), jobs) == jobs / "ab12"
    assert parse_handover(handover_line(tmp_path / "elsewhere"), jobs) is None
    assert parse_handover(handover_line(jobs / "a" / "b"), jobs) is None
    assert parse_handover(b'{"job": "relative/path"}', jobs) is None
    assert parse_handover(b"not json", jobs) is None
    assert parse_handover(b'["/a"]', jobs) is None


def test_a_warm_spare_runs_the_job_it_is_handed(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    folder = make_job(jobs / ("0" * 32))
    spare = start_spare(jobs, tmp_path / "tmp")
    wait_until_warm(spare)
    assert list((tmp_path / "tmp").iterdir()) == []  # the warm-up's scratch is gone
    assert spare.stdin is not None and spare.stdout is not None
    spare.stdin.write(handover_line(folder))
    spare.stdin.flush()  # stdin stays open while the job runs, as the app keeps it
    assert spare.wait(timeout=TIMEOUT) == 0
    events = lines(spare.stdout.read())
    spare.stdin.close()
    assert events[0]["event"] == "progress" and events[-1]["event"] == "done"
    assert events[-1]["summary"]["rows_in"] == 300
    assert (folder / "result.zip").is_file()


def test_a_spare_handed_a_folder_outside_its_jobs_folder_refuses_it(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "elsewhere")
    spare = start_spare(tmp_path / "jobs", tmp_path / "tmp")
    assert spare.stdin is not None and spare.stdout is not None
    wait_until_warm(spare)
    spare.stdin.write(handover_line(folder))
    spare.stdin.flush()  # stdin stays open: the refusal, not end-of-file, ends it
    assert spare.wait(timeout=TIMEOUT) == 1
    assert [event["code"] for event in lines(spare.stdout.read())] == ["internal"]
    spare.stdin.close()
    assert not (folder / "result.zip").exists()


def test_a_spare_ends_at_once_when_its_stdin_closes_even_mid_warm_up(tmp_path: Path) -> None:
    for warm_first in (True, False):
        scratch = tmp_path / f"tmp-{warm_first}"
        spare = start_spare(tmp_path / "jobs", scratch)
        assert spare.stdin is not None
        if warm_first:
            wait_until_warm(spare)
        else:  # close while it is still importing or warming up
            time.sleep(0.5)
        closed = time.monotonic()
        spare.stdin.close()
        assert spare.wait(timeout=TIMEOUT) == 3
        assert time.monotonic() - closed < 2.0
        assert spare.stdout is not None and spare.stdout.read() == b""
        assert list(scratch.iterdir()) == []  # no warm-up scratch folder left behind
