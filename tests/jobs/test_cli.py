"""End-to-end command line runs in a temporary MOODLELOGSMART_HOME: exit statuses, JSON
lines, awkward file names, a timeout, Ctrl+C, the app killed mid-job and restarted, a purge
with tiny TTLs from the environment, and a second process refused."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import moodlelogsmart_gui
from moodlelogsmart_gui.jobs.lock import DataFolderLock
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths
from tests.fixtures.moodle_logs import make_report_log, report_csv_text, report_header
from tests.jobs.conftest import processes_mentioning, sha256

REAL_WORKER = Path(moodlelogsmart_gui.__file__).parent / "worker.py"
needs_worker = pytest.mark.skipif(
    not REAL_WORKER.exists(), reason="the real worker (moodlelogsmart_gui/worker.py) is absent"
)
JSON_FIELDS = [
    "id",
    "input",
    "state",
    "reason",
    "message",
    "output",
    "rows_in",
    "rows_out",
    "seconds",
]
REPO = Path(__file__).resolve().parents[2]
CATEGORIES = {"Study_P", "Study_A", "Collab_A", "Eval_A", "Prod_A", "Others"}


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=cli_env(env),
        timeout=timeout,
    )


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def write_log(path: Path, rows: int = 300, repeat: int = 1, seed: int = 1) -> Path:
    log = make_report_log(rows, seed=seed)
    head, body = report_csv_text(log.rows, report_header("en", "4", False)).split("\n", 1)
    path.write_bytes(("\ufeff" + head + "\n" + body * repeat).encode("utf-8"))
    return path


@pytest.fixture(scope="session")
def slow_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 200,000 rows: a few seconds of real work for the worker."""
    return write_log(tmp_path_factory.mktemp("slow") / "slow log.csv", 10_000, repeat=20)


# -- no worker needed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["process"],
        ["frobnicate"],
        ["process", "--timeout", "0", "x.csv"],
        ["process", "--timeout", "soon", "x.csv"],
        ["purge", "--bogus"],
        ["jobs", "extra"],
    ],
    ids=[
        "nothing",
        "no-files",
        "unknown-command",
        "zero-timeout",
        "word-timeout",
        "bad-option",
        "extra-argument",
    ],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert_no_traceback(result)


def test_unreadable_paths_exit_2_with_one_sentence(tmp_path: Path) -> None:
    empty_folder = tmp_path / "no logs here"
    empty_folder.mkdir()
    (empty_folder / "photo.png").write_bytes(b"png")
    for target, words in (
        (tmp_path / "missing.csv", "does not exist"),
        (empty_folder, "holds no log files"),
    ):
        result = run_cli("process", str(target))
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert_no_traceback(result)
    log = write_log(tmp_path / "ok.csv", 5)
    result = run_cli("process", str(log), "--rules", str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "rules file" in result.stderr


def test_a_second_process_on_the_same_folder_is_refused(tmp_path: Path, app_home: Path) -> None:
    paths = AppPaths.resolve()
    paths.ensure()
    lock = DataFolderLock(paths.lock_file)
    lock.acquire()
    try:
        log = write_log(tmp_path / "ok.csv", 5)
        for args in (["process", str(log)], ["purge"]):
            result = run_cli(*args)
            assert result.returncode == 3, result.stderr
            assert "already running" in result.stderr and f"process {os.getpid()}" in result.stderr
            assert_no_traceback(result)
        listing = run_cli("jobs", "--json")  # reading the history is allowed
        assert listing.returncode == 0 and listing.stdout == ""
    finally:
        lock.release()


def seed_history(paths: AppPaths, now: float) -> dict[str, str]:
    """A completed job finished an hour ago, a failed one a minute ago, and odd folders."""
    paths.ensure()
    store = JobStore(paths.history_db)
    ids = {}
    for label, state, age in (("old", JobState.COMPLETED, 3600), ("young", JobState.FAILED, 60)):
        job = Job(
            id=uuid.uuid4().hex,
            input_name=f"{label}.csv",
            input_size=1,
            source_path=f"/x/{label}.csv",
            state=state,
            reason=FailureReason.CRASHED if state == JobState.FAILED else None,
            message="",
            queued_at=now - age - 10,
            started_at=now - age - 5,
            finished_at=now - age,
            percent=100,
            stage="",
            rows_in=1,
            rows_out=1,
            summary=None,
            result_path=None,
            expired=False,
            expires_at=None,
            pseudonymize=False,
            rules_file="",
        )
        store.add(job)
        folder = paths.jobs / job.id
        folder.mkdir()
        (folder / "result.zip").write_bytes(b"z" * 1000)
        ids[label] = job.id
    store.close()
    ids["orphan"] = uuid.uuid4().hex
    (paths.jobs / ids["orphan"]).mkdir()
    (paths.jobs / "not-a-job").mkdir()
    return ids


def test_purge_with_tiny_ttls_from_the_environment(app_home: Path) -> None:
    paths = AppPaths.resolve()
    ids = seed_history(paths, time.time())
    env = {"MOODLELOGSMART_TTL_COMPLETED_HOURS": "0.01", "MOODLELOGSMART_TTL_FAILED_HOURS": "0.5"}
    dry = run_cli("purge", "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    assert json_lines(dry.stdout)[0]["jobs_purged"] == 1 and (paths.jobs / ids["old"]).exists()
    result = run_cli("purge", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json_lines(result.stdout)[0]
    assert (report["jobs_purged"], report["folders_removed"]) == (1, 2)
    assert report["bytes_freed"] == 1000 and report["errors"] == []
    assert not (paths.jobs / ids["old"]).exists() and not (paths.jobs / ids["orphan"]).exists()
    assert (paths.jobs / ids["young"] / "result.zip").exists()
    assert (paths.jobs / "not-a-job").is_dir()
    history = {row["id"]: row for row in json_lines(run_cli("jobs", "--json", env=env).stdout)}
    assert history[ids["old"]]["expired"] is True and history[ids["young"]]["expired"] is False
    log_lines = paths.app_log.read_text(encoding="utf-8").splitlines()
    assert sum(" purge {" in line for line in log_lines) == 2
    human = run_cli("purge", env=env)
    assert human.returncode == 0 and human.stdout.startswith("Deleted the files of 0 expired")


# -- with the real worker --------------------------------------------------------------------


AWKWARD_NAMES = [
    "with space.csv",
    'it\'s "quoted".csv',
    "-leading-dash.csv",
    "new\nline.csv",
    "курс логи 日本.csv",
]


@needs_worker
@pytest.mark.slow
def test_process_awkward_names_to_json_and_zip(tmp_path: Path) -> None:
    folder = tmp_path / "inputs ü"
    folder.mkdir()
    sources = [write_log(folder / name, 200, seed=i) for i, name in enumerate(AWKWARD_NAMES)]
    checksums = [sha256(p) for p in sources]
    out = tmp_path / "out dir"
    result = run_cli("process", "--json", "--out", str(out), "--", *map(str, sources), timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_no_traceback(result)
    records = json_lines(result.stdout)  # in the order the jobs finish
    assert [list(r) for r in records] == [JSON_FIELDS] * len(sources)
    assert sorted(str(r["input"]) for r in records) == sorted(str(p) for p in sources)
    for record in records:
        assert record["state"] == "completed" and record["reason"] is None
        assert record["rows_in"] == 200 and isinstance(record["seconds"], float)
        output = Path(str(record["output"]))
        assert output.parent == out and output.is_file() and "_enriched_" in output.name
    assert [sha256(p) for p in sources] == checksums
    assert not list(AppPaths.resolve().jobs.glob("*/input.*"))
    folder_run = run_cli("process", str(folder), "--out", str(out), timeout=90)
    assert folder_run.returncode == 0 and folder_run.stdout.count("completed") == 5
    assert "new\\nline.csv" in folder_run.stdout


@needs_worker
def test_rules_by_preset_name_gives_the_moodle2eventlog_categories(tmp_path: Path) -> None:
    log = write_log(tmp_path / "course.csv", 300)
    out = tmp_path / "out"
    result = run_cli("process", str(log), "--rules", "moodle2eventlog", "--json", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    output = Path(str(json_lines(result.stdout)[0]["output"]))
    with zipfile.ZipFile(output) as archive:
        summary = json.loads(archive.read("summary.json"))
        xes = archive.read("enriched_log.xes").decode("utf-8")
    assert summary["rules"]["source"] == "moodle2eventlog"
    activities = set(re.findall(r'<event><string key="concept:name" value="([^"]*)"', xes))
    assert activities and activities <= CATEGORIES
    assert set(summary["events_per_activity_type"]) == activities
    unknown = run_cli("process", str(log), "--rules", "moodle3eventlog")
    assert unknown.returncode == 2 and "moodle2eventlog" in unknown.stderr


@needs_worker
def test_bad_input_fails_with_a_sentence_and_exit_1(tmp_path: Path) -> None:
    junk = tmp_path / "photo.csv"
    junk.write_bytes(bytes(range(256)) * 50)
    good = write_log(tmp_path / "good.csv", 50)
    result = run_cli("process", str(junk), str(good), "--json", "--out", str(tmp_path))
    assert result.returncode == 1
    assert_no_traceback(result)
    records = {Path(str(r["input"])).name: r for r in json_lines(result.stdout)}
    bad, ok = records["photo.csv"], records["good.csv"]
    assert (bad["state"], bad["reason"]) == ("failed", "bad_input") and bad["output"] is None
    assert str(bad["message"]).endswith(".") and "\n" not in str(bad["message"])
    assert ok["state"] == "completed"


@needs_worker
@pytest.mark.slow
def test_timeout_end_to_end(tmp_path: Path, slow_log: Path) -> None:
    result = run_cli("process", str(slow_log), "--timeout", "1", "--json", "--out", str(tmp_path))
    assert result.returncode == 1, result.stderr
    record = json_lines(result.stdout)[0]
    assert (record["state"], record["reason"]) == ("failed", "timeout")
    assert record["message"] == "Timed out after 1 s; the job was stopped."
    assert float(record["seconds"]) < 3.0
    assert not list(tmp_path.glob("*.zip"))


@pytest.fixture
def cli_process(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for_worker(app_home: Path, timeout: float = 20) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = processes_mentioning(str(app_home / "jobs"))
        if workers:
            return workers
        time.sleep(0.05)
    raise AssertionError("no worker started")


@needs_worker
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="uses SIGKILL and /proc")
def test_app_killed_mid_job_then_restarted(
    app_home: Path, slow_log: Path, tmp_path: Path, cli_process: list[subprocess.Popen[str]]
) -> None:
    checksum = sha256(slow_log)
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moodlelogsmart_gui.cli",
            "process",
            str(slow_log),
            "--out",
            str(tmp_path),
        ],
        env=cli_env(),
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    cli_process.append(cli)
    workers = wait_for_worker(app_home)
    time.sleep(0.3)
    cli.send_signal(signal.SIGKILL)
    cli.wait(timeout=10)
    killed_at = time.monotonic()
    while processes_mentioning(str(app_home / "jobs")) and time.monotonic() - killed_at < 5:
        time.sleep(0.05)
    gone_after = time.monotonic() - killed_at
    assert not processes_mentioning(str(app_home / "jobs")), f"worker {workers} outlived the app"
    print(f"worker gone {gone_after:.2f} s after the app was killed")
    assert gone_after < 2.5  # the job needs several seconds: it did not just finish
    assert not list(AppPaths.resolve().jobs.glob("*/result.zip"))
    listing = run_cli("jobs", "--json")
    (job,) = json_lines(listing.stdout)
    assert (job["state"], job["reason"]) == ("failed", "interrupted")
    assert not list(AppPaths.resolve().jobs.glob("*/input.*"))
    assert sha256(slow_log) == checksum


@needs_worker
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="sends SIGINT, reads /proc")
def test_ctrl_c_cancels_running_jobs(
    app_home: Path, slow_log: Path, tmp_path: Path, cli_process: list[subprocess.Popen[str]]
) -> None:
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moodlelogsmart_gui.cli",
            "process",
            str(slow_log),
            "--json",
            "--out",
            str(tmp_path),
        ],
        env=cli_env(),
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    cli_process.append(cli)
    wait_for_worker(app_home)
    cli.send_signal(signal.SIGINT)
    out, err = cli.communicate(timeout=15)
    assert cli.returncode == 130, err
    assert "Traceback" not in out + err
    record = json_lines(out)[0]
    assert (record["state"], record["reason"]) == ("cancelled", "cancelled")
    assert not processes_mentioning(str(app_home / "jobs"))


@needs_worker
def test_process_outputs_chooses_the_members(tmp_path: Path) -> None:
    import zipfile

    source = write_log(tmp_path / "course.csv", 200)
    out = tmp_path / "out"
    chosen = "students.csv,enriched_log.parquet,process_map.svg"
    result = run_cli("process", "--json", "--outputs", chosen, "--out", str(out), str(source))
    assert result.returncode == 0, result.stdout + result.stderr
    (record,) = json_lines(result.stdout)
    with zipfile.ZipFile(str(record["output"])) as archive:
        assert sorted(archive.namelist()) == sorted([*chosen.split(","), "summary.json"])
    wrong = run_cli("process", "--outputs", "students.csv,report.pdf", str(source))
    assert wrong.returncode == 2
    assert "Unknown output 'report.pdf'" in wrong.stderr + wrong.stdout
    assert_no_traceback(wrong)
