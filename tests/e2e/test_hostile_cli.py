"""The hostile corpus of ``tests/unit/test_ingest_hostile.py`` through the real command line.

One ``moodlelogsmart process --json`` call takes every file; a folder, a named pipe, an
unreadable file and a path that vanishes after queueing get their own calls. Each file ends
completed (only if ingest finds it usable) or failed/bad_input with one sentence; nothing
hangs, no traceback reaches the screen, the user's files are unchanged and the purge leaves
nothing under ``<home>/jobs``.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QRunnable
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import FailureReason, JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings import Settings
from tests.e2e.helpers import is_one_sentence, leftovers, purge_everything
from tests.jobs.conftest import sha256
from tests.jobs.test_cli import REAL_WORKER, json_lines, run_cli
from tests.unit.test_ingest_hostile import CORPUS, _report

pytestmark = pytest.mark.skipif(not REAL_WORKER.exists(), reason="the real worker is absent")

SPECIAL = {"folder", "missing path"}  # the command line refuses these before queueing
WHOLE_RUN_SECONDS = 90.0


def build_corpus(root: Path) -> dict[Path, tuple[str, str | None]]:
    """Each corpus file in its own folder (several share a name); path -> (case, refusal)."""
    built: dict[Path, tuple[str, str | None]] = {}
    for number, (case, (maker, refusal)) in enumerate(CORPUS.items()):
        if case in SPECIAL:
            continue
        folder = root / f"{number:02d}"
        folder.mkdir(parents=True)
        built[maker(folder)] = (case, refusal)
    return built


@pytest.mark.slow
def test_the_whole_corpus_in_one_command(tmp_path: Path, app_home: Path) -> None:
    corpus = build_corpus(tmp_path / "corpus")
    checksums = {path: sha256(path) for path in corpus}
    out = tmp_path / "out"
    started = time.monotonic()
    result = run_cli(
        "process",
        "--json",
        "--out",
        str(out),
        "--",
        *map(str, corpus),
        env={"MOODLELOGSMART_CONCURRENT_JOBS": "2"},
        timeout=WHOLE_RUN_SECONDS,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr  # some files are refused
    records = {Path(str(r["input"])): r for r in json_lines(result.stdout)}
    assert set(records) == set(corpus)
    completed, refused, slowest = [], [], (0.0, "")
    for path, (case, refusal) in corpus.items():
        record = records[path]
        state, reason, message = record["state"], record["reason"], record["message"]
        assert (state, reason) in {("completed", None), ("failed", "bad_input")}, (case, record)
        if state == "completed":
            assert refusal is None, f"{case}: completed but ingest refuses it ({refusal})"
            assert Path(str(record["output"])).is_file()
            completed.append(case)
        else:
            assert is_one_sentence(message), (case, message)
            assert record["output"] is None
            if refusal is not None:
                assert refusal in str(message), (case, message)
            refused.append(case)
        slowest = max(slowest, (float(record["seconds"] or 0.0), case))
    usable = {case for case, refusal in corpus.values() if refusal is None}
    assert set(completed) == usable, f"usable files refused: {sorted(usable - set(completed))}"
    assert {path: sha256(path) for path in corpus} == checksums
    print(
        f"\ncorpus: {len(corpus)} files, {len(completed)} completed, {len(refused)} refused, "
        f"{elapsed:.1f} s in all, slowest {slowest[1]!r} {slowest[0]:.2f} s"
    )
    paths = AppPaths.resolve()
    assert not list(paths.jobs.glob("*/input.*"))
    report = purge_everything(paths)
    assert report["errors"] == []
    assert leftovers(paths) == []


def test_special_paths_are_refused_with_one_sentence(tmp_path: Path, app_home: Path) -> None:
    for case in sorted(SPECIAL):
        maker, refusal = CORPUS[case]
        folder = tmp_path / case.replace(" ", "_")
        folder.mkdir()
        target = maker(folder)
        result = run_cli("process", "--json", "--out", str(tmp_path / "out"), str(target))
        assert result.returncode == 2, (case, result.stdout, result.stderr)
        assert result.stdout == ""
        assert is_one_sentence(result.stderr.strip()), (case, result.stderr)
        assert refusal is not None and refusal in result.stderr, (case, result.stderr)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        result = run_cli("process", "--json", str(fifo), timeout=20)
        assert result.returncode == 2 and is_one_sentence(result.stderr.strip()), result.stderr
    assert leftovers(AppPaths.resolve()) == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files whatever the mode"
)
def test_an_unreadable_file_is_refused_with_one_sentence(tmp_path: Path) -> None:
    path = _report("secret.csv")(tmp_path)
    checksum = sha256(path)
    path.chmod(0)
    try:
        result = run_cli("process", "--json", str(path))
    finally:
        path.chmod(0o600)
    assert result.returncode == 2 and result.stdout == ""
    assert is_one_sentence(result.stderr.strip()) and "cannot be read" in result.stderr
    assert sha256(path) == checksum


class _Gate(QRunnable):
    """Occupies one thread of the queue's file pool until released."""

    def __init__(self, released: threading.Event) -> None:
        super().__init__()
        self.released = released

    def run(self) -> None:
        self.released.wait(10)


def test_a_file_that_vanishes_after_queueing_fails_as_bad_input(
    qtbot: QtBot, tmp_path: Path, app_home: Path
) -> None:
    """The copy is held back (the file pool is busy) until the source is deleted."""
    paths = AppPaths.resolve()
    paths.ensure()
    store = JobStore(paths.history_db)
    settings = dataclasses.replace(Settings(), concurrent_jobs=1)
    queue = JobQueue(paths, store, settings)
    released = threading.Event()
    try:
        queue.start()
        with qtbot.waitSignal(queue.purge_finished, timeout=5000):
            pass  # the start-up purge has left the file pool
        for _ in range(2):
            queue._io_pool.start(_Gate(released))
        doomed = _report("vanishing log.csv")(tmp_path)
        kept = _report("kept log.csv")(tmp_path)
        gone_id = queue.submit(doomed)
        doomed.unlink()
        released.set()
        qtbot.waitUntil(lambda: queue.job(gone_id).is_terminal, timeout=10_000)
        gone = queue.job(gone_id)
        assert (gone.state, gone.reason) == (JobState.FAILED, FailureReason.BAD_INPUT)
        assert is_one_sentence(gone.message) and "disappeared" in gone.message, gone.message
        # The queue goes on: the next file completes with the real worker.
        next_id = queue.submit(kept)
        qtbot.waitUntil(lambda: queue.job(next_id).is_terminal, timeout=30_000)
        assert queue.job(next_id).state == JobState.COMPLETED, queue.job(next_id).message
    finally:
        released.set()
        queue.shutdown()
        store.close()
    assert not list(paths.jobs.glob("*/input.*"))
    assert purge_everything(paths)["errors"] == []
    assert leftovers(paths) == []
