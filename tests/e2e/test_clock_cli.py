"""Clock jumps seen by the real command line, on real results (the queue-level and policy
tests use a fake clock; here the commands read the system clock and the history is moved).

A jump is simulated by moving a recorded finish time: a day (and a minute) back is the clock
jumping forward a day; an hour ahead is the clock set back an hour.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from moodlelogsmart_gui.jobs.store import JobStore
from moodlelogsmart_gui.paths import AppPaths
from tests.jobs.test_cli import REAL_WORKER, json_lines, run_cli, write_log

pytestmark = pytest.mark.skipif(not REAL_WORKER.exists(), reason="the real worker is absent")
DAY = 24 * 3600


def test_purge_after_the_clock_jumps_forward_a_day_or_back_an_hour(
    tmp_path: Path, app_home: Path
) -> None:
    logs = [write_log(tmp_path / f"log {n}.csv", 50, seed=n) for n in range(2)]
    result = run_cli("process", "--json", "--out", str(tmp_path / "out"), *map(str, logs))
    assert result.returncode == 0, result.stderr
    by_input = {Path(str(r["input"])).name: str(r["id"]) for r in json_lines(result.stdout)}
    older, younger = by_input["log 0.csv"], by_input["log 1.csv"]
    paths = AppPaths.resolve()
    now = time.time()
    store = JobStore(paths.history_db)
    store.update(older, finished_at=now - DAY - 60)  # the clock jumped forward a day
    store.update(younger, finished_at=now + 3600)  # the clock was set back an hour
    store.close()
    purged = run_cli("purge", "--json")
    assert purged.returncode == 0, purged.stderr
    report = json_lines(purged.stdout)[0]
    assert report["jobs_purged"] == 1 and report["errors"] == []
    assert not (paths.jobs / older).exists()
    assert (paths.jobs / younger / "result.zip").is_file()  # not deleted early
    listing = {str(r["id"]): r for r in json_lines(run_cli("jobs", "--json").stdout)}
    assert listing[older]["expired"] is True and listing[younger]["expired"] is False
    anchored = float(listing[younger]["finished_at"])  # re-anchored to the purge's "now"
    assert now - 5 <= anchored <= time.time()
    assert abs(float(listing[younger]["expires_at"]) - (anchored + DAY)) < 1
    # Not kept forever either: a day after the re-anchoring, the next purge takes it.
    store = JobStore(paths.history_db)
    store.update(younger, finished_at=anchored - DAY)
    store.close()
    assert json_lines(run_cli("purge", "--json").stdout)[0]["jobs_purged"] == 1
    assert not (paths.jobs / younger).exists()
