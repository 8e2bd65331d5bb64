"""The worker as a real subprocess: protocol lines on stdout, exit codes, parent watch."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.moodle_logs import make_report_log, write_report_csv

TIMEOUT = 60


def make_job(folder: Path, rows: int = 300, **job: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    log = make_report_log(rows, "en", "4", seed=4)
    write_report_csv(folder / "input.csv", log.rows)
    spec = {
        "input": "input.csv",
        "original_name": 'logs_Demo 101 "quoted" -x_20240328-1800.csv',
        "pseudonymize": False,
        "rules_file": None,
        "secret_file": str(folder.parent / "secret" / "pseudonym.key"),
        **job,
    }
    (folder / "job.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


def start(folder: Path, stdin: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    log = open(folder.parent / "job.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "moodlelogsmart_gui.worker", str(folder)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=log,
        cwd=Path(__file__).resolve().parents[2],
    )
    log.close()
    return process


def finish(process: subprocess.Popen[bytes]) -> tuple[int, list[dict[str, Any]]]:
    out, _ = process.communicate(timeout=TIMEOUT)
    lines = out.decode("utf-8").splitlines()
    return process.returncode, [json.loads(line) for line in lines]  # every line is JSON


def test_good_log_reports_progress_then_done(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "job")
    code, messages = finish(start(folder))
    assert code == 0
    progress = [m for m in messages[:-1]]
    assert all(m["event"] == "progress" for m in progress)
    percents = [m["percent"] for m in progress]
    assert percents == sorted(set(percents)) and percents[-1] == 100
    assert {m["stage"] for m in progress} >= {"read", "classify", "export", "package"}
    done = messages[-1]
    assert done["event"] == "done"
    assert done["summary"]["input"]["name"] == 'logs_Demo 101 "quoted" -x_20240328-1800.csv'
    assert done["summary"]["rows_in"] == 300
    assert (folder / "result.zip").is_file()
    assert not (folder / "result.zip.part").exists()


def test_progress_lines_carry_the_events_read_once_known(tmp_path: Path) -> None:
    code, messages = finish(start(make_job(tmp_path / "job")))
    assert code == 0
    progress = [m for m in messages if m["event"] == "progress"]
    counted = [m for m in progress if "events" in m]
    assert "events" not in progress[0] and counted[-1]["percent"] == 100
    assert {m["events"] for m in counted} == {300}
    assert {m["stage"] for m in counted} >= {"classify", "export", "package"}


def test_pseudonymised_job_creates_a_private_secret_and_keeps_stdin_open(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "job", pseudonymize=True)
    process = start(folder, stdin=subprocess.PIPE)
    assert process.stdout is not None and process.stdin is not None
    out = process.stdout.read()  # the worker runs to the end while the pipe stays open
    process.stdin.close()
    assert process.wait(timeout=TIMEOUT) == 0
    last = json.loads(out.decode().splitlines()[-1])
    assert last["event"] == "done" and last["summary"]["pseudonymized"] is True
    secret = tmp_path / "secret" / "pseudonym.key"
    assert len(secret.read_bytes()) == 32
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_bad_input_exits_2_with_one_sentence(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "job")
    (folder / "input.csv").write_bytes(b"\x00\x01\x02 binary junk \xff\xfe" * 100)
    code, messages = finish(start(folder))
    assert code == 2
    assert messages[-1]["event"] == "error"
    assert messages[-1]["code"] == "bad_input"
    assert messages[-1]["message"].endswith(".")
    assert "Traceback" not in (tmp_path / "job.log").read_text()
    assert not (folder / "result.zip").exists()


def test_missing_input_copy_is_bad_input(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "job")
    (folder / "input.csv").unlink()
    code, messages = finish(start(folder))
    assert code == 2 and messages[-1]["code"] == "bad_input"


def test_broken_rules_file_is_bad_input(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rule]]\nid = 'x'\nbloom_level = 'Big'\n", encoding="utf-8")
    folder = make_job(tmp_path / "job", rules_file=str(rules))
    code, messages = finish(start(folder))
    assert code == 2
    assert str(rules) in messages[-1]["message"]


def test_internal_error_goes_to_the_log_not_to_stdout(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "job")
    (folder / "job.json").write_text("{not json", encoding="utf-8")
    code, messages = finish(start(folder))
    assert code == 1
    assert messages == [{"event": "error", "code": "internal", "message": messages[0]["message"]}]
    assert "Traceback" in (tmp_path / "job.log").read_text()


def test_worker_without_a_folder_argument_is_internal(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui.worker"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["code"] == "internal"


@pytest.mark.skipif(os.name != "posix", reason="pipes and exit codes as on POSIX")
def test_worker_exits_3_when_the_parent_closes_stdin(tmp_path: Path) -> None:
    folder = make_job(tmp_path / "job", rows=5_000)
    process = start(folder, stdin=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.close()  # the parent "died": end-of-file on the worker's stdin
    assert process.stdout is not None
    out = process.stdout.read()
    assert process.wait(timeout=TIMEOUT) == 3
    assert b'"done"' not in out
    assert not (folder / "result.zip").exists()


@pytest.mark.skipif(os.name != "posix", reason="resource limits as on POSIX")
def test_full_disk_leaves_no_result_and_says_so(tmp_path: Path) -> None:
    import resource

    folder = make_job(tmp_path / "job", rows=3_000)
    limit = 40_000

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    log = open(tmp_path / "job.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "moodlelogsmart_gui.worker", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        cwd=Path(__file__).resolve().parents[2],
        preexec_fn=small_files,
    )
    log.close()
    code, messages = finish(process)
    assert code == 1
    assert messages[-1]["event"] == "error"
    assert "disk is full" in messages[-1]["message"]
    assert not (folder / "result.zip").exists()
    assert not (folder / "result.zip.part").exists()


def test_running_out_of_memory_or_threads_is_told_as_memory() -> None:
    import pyarrow as pa

    from moodlelogsmart_gui.worker import out_of_resources

    assert out_of_resources(MemoryError())
    assert out_of_resources(pa.ArrowMemoryError("malloc of size 8388608 failed"))
    assert out_of_resources(RuntimeError("can't start new thread"))
    assert out_of_resources(
        pa.ArrowException("Unknown error: Failed to launch worker thread: Resource unavailable")
    )
    assert not out_of_resources(RuntimeError("something else"))
    assert not out_of_resources(ValueError("bad"))


def test_a_pseudonymised_refusal_quotes_no_cell_of_the_file(tmp_path: Path) -> None:
    from moodlelogsmart_gui.pipeline.errors import BadInputError
    from moodlelogsmart_gui.pipeline.ingest import ingest

    log = make_report_log(20, seed=3)
    for row in log.rows:
        row[0] = row[1]  # names where the times should be
    path = write_report_csv(tmp_path / "shifted.csv", log.rows)
    with pytest.raises(BadInputError) as err:
        ingest(path)
    assert "e.g. '" in str(err.value)
    assert err.value.without_data is not None and "'" not in err.value.without_data.split(":")[0]
    assert not any(name in err.value.without_data for name in (r[1] for r in log.rows))
