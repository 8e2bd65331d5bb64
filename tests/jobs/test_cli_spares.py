"""``process`` keeps warm spare workers only when a file has to wait for a job slot: with no
more files than slots every job starts at once, and a spare (or its fork server) would only
take processor time from the jobs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from moodlelogsmart_gui.paths import AppPaths
from tests.jobs.conftest import processes_mentioning
from tests.jobs.test_cli import REPO, cli_env, needs_worker, write_log

SPARE_ARGUMENTS = ("--spare", "--fork-server", "--forked")


def spare_processes_during(args: list[str], env: dict[str, str]) -> set[str]:
    """Run the command line (it must succeed); return the spare kinds seen meanwhile."""
    jobs = str(AppPaths.resolve().jobs)
    seen: set[str] = set()
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            for kind in SPARE_ARGUMENTS:
                if any(_mentions(pid, jobs) for pid in processes_mentioning(f"{kind} ")):
                    seen.add(kind)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "moodlelogsmart_gui.cli", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=cli_env(env),
            timeout=120,
        )
    finally:
        done.set()
        sampler.join()
    assert result.returncode == 0, result.stdout + result.stderr
    return seen


def _mentions(pid: int, text: str) -> bool:
    try:
        return text.encode() in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False


@needs_worker
@pytest.mark.slow
def test_process_starts_spares_only_for_files_beyond_the_job_slots(
    tmp_path: Path, app_home: Path
) -> None:
    logs = [write_log(tmp_path / f"course{i}.csv", 300, repeat=20, seed=i) for i in range(2)]
    out = str(tmp_path / "out")
    one_slot = {"MOODLELOGSMART_CONCURRENT_JOBS": "1"}
    alone = spare_processes_during(["process", "--out", out, str(logs[0])], one_slot)
    assert alone == set()  # one file, one slot: it starts at once in its own worker
    two_slots = {"MOODLELOGSMART_CONCURRENT_JOBS": "2"}
    both = spare_processes_during(["process", "--out", out, *map(str, logs)], two_slots)
    assert both == set()  # both start at once
    waiting = spare_processes_during(["process", "--out", out, *map(str, logs)], one_slot)
    assert "--spare" in waiting or "--forked" in waiting  # the second file waits: a spare
