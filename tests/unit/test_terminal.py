"""The command line's terminal output without a terminal: choosing and listing jobs (time
passed in), short ids, durations, the live progress lines, the settings in force."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from rich.console import Console

from moodlelogsmart_gui.jobs.store import FailureReason, JobState
from moodlelogsmart_gui.settings import SPECS_BY_KEY, Settings
from moodlelogsmart_gui.settings_file import SettingsStore
from moodlelogsmart_gui.terminal import listing, settings_view
from moodlelogsmart_gui.terminal.live import JobLine, LiveProgress, elapsed_text, queue_text
from tests.fixtures.jobs import job_row

NOW = 2_000_000_000.0
HOUR, DAY = 3600.0, 86400.0


def history() -> list:
    """Completed, failed and expired jobs of different ages, relative to NOW."""
    return [
        job_row(id="a" * 32, state=JobState.COMPLETED, queued_at=NOW - 0.5 * HOUR),
        job_row(
            id="b" * 32,
            state=JobState.FAILED,
            reason=FailureReason.TIMEOUT,
            message="Timed out after 600 s; the job was stopped.",
            queued_at=NOW - 3 * HOUR,
        ),
        job_row(id="c" * 32, state=JobState.COMPLETED, expired=True, queued_at=NOW - 2 * DAY),
        job_row(id="d" * 32, state=JobState.CANCELLED, queued_at=NOW - 10 * DAY),
        job_row(id="e" * 32, state=JobState.FAILED, expired=True, queued_at=NOW - 30 * DAY),
    ]


def ids(jobs: list) -> str:
    return "".join(job.id[0] for job in jobs)


@pytest.mark.parametrize(
    ("states", "since", "limit", "expected"),
    [
        ((), None, None, "abcde"),
        (("failed",), None, None, "be"),
        (("expired",), None, None, "ce"),
        (("completed",), None, None, "ac"),
        (("failed,cancelled",), None, None, "bde"),
        (("failed", "completed"), "7d", None, "abc"),
        ((), "2h", None, "a"),
        ((), "90m", None, "a"),
        ((), "3h", None, "ab"),
        ((), "1w", 2, "ab"),
        ((), None, 3, "abc"),
        (("running",), None, None, ""),
    ],
)
def test_choose_jobs(
    states: tuple[str, ...], since: str | None, limit: int | None, expected: str
) -> None:
    seconds = listing.parse_duration(since) if since else None
    shuffled = history()[::-1]
    chosen = listing.choose_jobs(
        shuffled,
        states=listing.parse_states(states),
        since_seconds=seconds,
        limit=limit,
        now=NOW,
    )
    assert ids(chosen) == expected


def test_the_same_filter_later_sees_fewer_jobs() -> None:
    day = listing.parse_duration("1d")
    assert ids(listing.choose_jobs(history(), since_seconds=day, now=NOW)) == "ab"
    assert ids(listing.choose_jobs(history(), since_seconds=day, now=NOW + 22 * HOUR)) == "a"
    assert ids(listing.choose_jobs(history(), since_seconds=day, now=NOW + 24 * HOUR)) == ""


@pytest.mark.parametrize("text", ["soon", "2", "h", "-2h", "0d", "2 hours", "3y"])
def test_bad_durations_say_what_a_duration_looks_like(text: str) -> None:
    with pytest.raises(listing.DurationError, match=r"such as 30m, 2h or 7d"):
        listing.parse_duration(text)


def test_unknown_state_is_one_sentence() -> None:
    with pytest.raises(ValueError, match=r"^'done' is not a job state; choose from queued, "):
        listing.parse_states(["done"])


def test_short_ids_stay_unique() -> None:
    one, two, other = "12345678" + "a" * 24, "12345678" + "b" * 24, "ffff" + "0" * 28
    short = listing.short_ids([one, two, other, other])
    assert short == {one: "123456780"[:8] + "a", two: "12345678b", other: "ffff0000"}
    assert len(set(short.values())) == 3


def test_job_lines_fit_80_columns_with_long_names_and_messages() -> None:
    job = job_row(
        state=JobState.FAILED,
        reason=FailureReason.INTERRUPTED,
        input_name="a very long export name of the course " * 3 + ".csv",
        message=("The app stopped while this job ran; try it again. " * 8).strip(),
        expired=True,
    )
    lines = listing.job_lines(job, job.id[:8])
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[0].startswith(job.id[:8] + "  ") and "failed/interrupted" in lines[0]
    assert lines[0].endswith("… (files deleted)")
    assert 2 <= len(lines) <= 1 + listing.MESSAGE_LINES and lines[-1].endswith(" …")
    assert all(line.startswith(" " * 10) for line in lines[1:])
    stopped = job_row(state=JobState.CANCELLED, reason=FailureReason.CANCELLED, message="")
    assert listing.job_lines(stopped, "abcdefgh")[0].split()[3] == "cancelled"
    done = job_row(state=JobState.COMPLETED, input_name="x\ny.csv", message="ignored")
    assert listing.job_lines(done, "abcdefgh") == [listing.job_lines(done, "abcdefgh")[0]]
    assert "x\\ny.csv" in listing.job_lines(done, "abcdefgh")[0]


def test_live_lines_show_each_running_job_and_the_queue() -> None:
    clock = [NOW]
    live = LiveProgress(Console(file=io.StringIO(), width=80), clock=lambda: clock[0])
    live.show(
        "1",
        JobLine(
            "first.csv",
            running=True,
            stage="classify",
            percent=55,
            started_at=NOW - 4,
            events=200_000,
        ),
    )
    live.show("2", JobLine("second.csv", running=True, stage="read", percent=5, started_at=NOW))
    live.show("3", JobLine("third.csv", running=False))
    live.done("0", completed=True)
    live.done("x", completed=False)
    rows = live.rows(NOW)
    assert rows == (
        "2 done (1 not completed), 2 running, 1 queued",
        "first.csv|classify|55%|50,000 events/s|0:04",
        "second.csv|read|5%||0:00",
    )
    console = Console(file=io.StringIO(), width=80)
    console.print(live.render(NOW))
    drawn = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert all(len(line) <= 80 for line in drawn)
    assert "first.csv" in drawn[0] and "55%" in drawn[0] and "50,000 events/s" in drawn[0]
    assert drawn[-1] == "2 done (1 not completed), 2 running, 1 queued"


@pytest.mark.parametrize("width", [120, 80, 60, 50])
def test_live_lines_fit_the_terminal_and_keep_the_figures_whole(width: int) -> None:
    console = Console(file=io.StringIO(), width=width)
    live = LiveProgress(console, clock=lambda: NOW)
    name = "a rather long course log export name.csv"
    live.show("1", JobLine(name, True, "classify", 55, NOW - 75, 2_000_000))
    live.show("2", JobLine("small.csv", True, "read", 5, NOW - 4))
    console.print(live.render(NOW))
    first, second, queue = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert max(len(first), len(second)) <= width
    assert first.endswith("55% 26,667 events/s 1:15") and second.split()[-2:] == ["5%", "0:04"]
    assert first.startswith(name[:7]) and "…" in first and queue.startswith("0 done, 2 running")


def test_live_redraws_only_when_the_text_changes() -> None:
    clock = [NOW]
    stream = io.StringIO()
    live = LiveProgress(Console(file=stream, width=80, force_terminal=True), lambda: clock[0])
    live.show("1", JobLine("a.csv", running=True, stage="read", percent=5, started_at=NOW))
    live.start()
    try:
        for step in range(10):  # ten ticks in the same second, nothing new
            clock[0] = NOW + step * 0.05
            live.tick()
        assert live.redraws == 1
        clock[0] = NOW + 1.0
        live.tick()  # the elapsed time moved on
        live.show("1", JobLine("a.csv", running=True, stage="read", percent=9, started_at=NOW))
        live.tick()  # too soon after the last redraw
        clock[0] = NOW + 1.3
        live.tick()
        assert live.redraws == 3
    finally:
        live.stop()
    assert "9%" in stream.getvalue()


def test_small_helpers() -> None:
    assert [elapsed_text(s) for s in (0, 7.9, 750, 3723)] == ["0:00", "0:07", "12:30", "1:02:03"]
    assert queue_text(3, 0, 1, 12) == "3 done, 1 running, 12 queued"


def test_settings_sources_and_ignored_values(tmp_path: Path) -> None:
    ini = tmp_path / "settings.ini"
    saved = QSettings(str(ini), QSettings.Format.IniFormat)  # one line written by hand
    saved.setValue("ttl_failed_hours", 5)
    saved.setValue("pseudonymize", True)
    saved.sync()
    env = {
        "MOODLELOGSMART_JOB_TIMEOUT_SECONDS": "300",
        "MOODLELOGSMART_PSEUDONYMIZE": "no",
        "MOODLELOGSMART_CONCURRENT_JOBS": "lots",
    }
    items = {item.key: item for item in settings_view.effective_settings(ini, env)}
    assert (items["job_timeout_seconds"].source, items["job_timeout_seconds"].value) == (
        "environment",
        300,
    )
    assert (items["pseudonymize"].source, items["pseudonymize"].value) == ("environment", False)
    user = items["ttl_failed_hours"]
    assert (settings_view.source_word(user), user.value) == ("user", 5.0)
    assert items["ttl_completed_hours"].source == "default"
    bad = items["concurrent_jobs"]
    assert bad.source == "default" and bad.problems == (
        "Jobs at the same time must be a number, not 'lots'. "
        "(from MOODLELOGSMART_CONCURRENT_JOBS; ignored)",
    )
    record = settings_view.setting_record(items["job_timeout_seconds"])
    assert record["unit"] == "seconds" and record["shown"] == "5 minutes"
    lines = settings_view.setting_lines(list(items.values()), ini)
    assert all(len(line) <= 80 for line in lines), lines
    assert "  set by MOODLELOGSMART_JOB_TIMEOUT_SECONDS" in lines
    assert lines[-2:] == [
        "- Jobs at the same time must be a number, not 'lots'. (from",
        "  MOODLELOGSMART_CONCURRENT_JOBS; ignored)",
    ]
    panel = tmp_path / "panel.ini"  # the settings panel saves every value
    SettingsStore(panel, env={}).save(Settings().replace(ttl_failed_hours=2))
    found = settings_view.effective_settings(panel, {})
    sources = {settings_view.source_word(item) for item in found}
    assert sources == {"user"}
    spec = SPECS_BY_KEY["ttl_failed_hours"]
    assert [settings_view.shown_value(spec, v) for v in (1.0, 0.5)] == ["1 hour", "0.5 hours"]
