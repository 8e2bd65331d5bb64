"""Spares forked from the fork server, with the real worker in a real queue: jobs run in
forked spares (one per job slot plus one kept), the results are right, and neither an idle
queue nor a closed one leaves the server or a spare behind."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.store import JobState
from moodlelogsmart_gui.paths import AppPaths
from tests.jobs.conftest import processes_mentioning
from tests.jobs.test_spare import real_queue, run_to_end, spares

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork server: Linux"),
    pytest.mark.slow,
]


def app_processes(app_paths: AppPaths) -> list[int]:
    """The fork server, the launchers and the forked workers all name the jobs folder."""
    return processes_mentioning(str(app_paths.jobs))


def test_jobs_run_in_forked_spares(qtbot: QtBot, app_paths: AppPaths, tmp_path: Path) -> None:
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv

    sources = [
        write_report_csv(tmp_path / f"course {n}.csv", make_report_log(400, seed=n).rows)
        for n in range(4)
    ]
    with real_queue(app_paths) as queue:
        first = run_to_end(qtbot, queue, sources[0], timeout_ms=60_000)
        assert first.state == JobState.COMPLETED, first.message
        keeper = spares(queue).keeper
        qtbot.waitUntil(lambda: keeper.forked_count >= 1, timeout=60_000)  # beside the cold one
        jobs = [run_to_end(qtbot, queue, source, timeout_ms=60_000) for source in sources[1:]]
        assert [job.state for job in jobs] == [JobState.COMPLETED] * 3, [j.message for j in jobs]
        assert [job.rows_in for job in jobs] == [400] * 3
        forked = [
            job
            for job in jobs
            if "forked from the fork server"
            in (app_paths.jobs / job.id / "job.log").read_text(encoding="utf-8")
        ]
        assert forked, "no job ran in a forked spare"
        assert keeper.died_count == 0


def test_an_idle_queue_keeps_neither_server_nor_spare(
    qtbot: QtBot, app_paths: AppPaths, tmp_path: Path
) -> None:
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv

    source = write_report_csv(tmp_path / "course.csv", make_report_log(300, seed=2).rows)
    with real_queue(app_paths, spare_idle_seconds=1.0) as queue:
        assert run_to_end(qtbot, queue, source, timeout_ms=60_000).state == JobState.COMPLETED
        qtbot.waitUntil(lambda: app_processes(app_paths) == [], timeout=30_000)


def test_closing_the_queue_ends_the_server_and_its_spares(
    qtbot: QtBot, app_paths: AppPaths, tmp_path: Path
) -> None:
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv

    source = write_report_csv(tmp_path / "course.csv", make_report_log(300, seed=1).rows)
    with real_queue(app_paths, concurrent_jobs=2) as queue:
        assert run_to_end(qtbot, queue, source, timeout_ms=60_000).state == JobState.COMPLETED
        keeper = spares(queue).keeper
        qtbot.waitUntil(lambda: keeper.forked_count >= 2, timeout=60_000)  # 2 slots + 1, one cold
        # server, launchers, forked workers (a launcher hands over and a worker appears in
        # /proc a moment apart, so the count is watched, not read once)
        qtbot.waitUntil(lambda: len(app_processes(app_paths)) >= 4, timeout=10_000)
    qtbot.waitUntil(lambda: app_processes(app_paths) == [], timeout=5_000)


def test_a_changed_rules_file_retires_the_server_and_the_job_still_runs(
    qtbot: QtBot, app_paths: AppPaths, tmp_path: Path
) -> None:
    from moodlelogsmart_gui.paths import resources_dir
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv

    rules = tmp_path / "my rules.toml"
    rules.write_text((resources_dir() / "rules.toml").read_text("utf-8"), encoding="utf-8")
    sources = [
        write_report_csv(tmp_path / f"course {n}.csv", make_report_log(300, seed=n).rows)
        for n in range(2)
    ]
    with real_queue(app_paths, rules_file=str(rules)) as queue:
        assert run_to_end(qtbot, queue, sources[0], timeout_ms=60_000).state == JobState.COMPLETED
        keeper = spares(queue).keeper
        qtbot.waitUntil(lambda: keeper.forked_count >= 1, timeout=60_000)
        assert keeper.servers_started == 1
        rules.write_text(rules.read_text("utf-8") + "\n# changed\n", encoding="utf-8")
        job = run_to_end(qtbot, queue, sources[1], timeout_ms=60_000)
        assert job.state == JobState.COMPLETED, job.message
        assert keeper.replaced_count >= 1  # the warm spares were not used
        qtbot.waitUntil(lambda: keeper.servers_started == 2, timeout=30_000)
    qtbot.waitUntil(lambda: app_processes(app_paths) == [], timeout=5_000)
