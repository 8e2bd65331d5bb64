"""The worker's fork server and a forked spare's launcher as real processes: a forked spare
runs its job; the launcher ends as its worker ended (exit code, or the same signal); a
signal to the launcher's group reaches the worker's; a SIGKILLed launcher takes its worker
with it; the server leaves when its stdin closes, once its workers ended; a server that has
a second thread refuses to fork."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from moodlelogsmart_gui.jobs.handover import handover_line
from tests.unit.test_worker import TIMEOUT, make_job

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork, /proc, SCM_RIGHTS"),
    pytest.mark.slow,
]
REPO = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "moodlelogsmart_gui.worker"]


def popen(args: list[str], **extra: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [*WORKER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        start_new_session=True,
        **extra,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    process = popen(["--fork-server", str(jobs)])
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    yield process, ready["ready"], jobs
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if entry.isdigit() and int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def forked_spare(path: str, jobs: Path) -> subprocess.Popen[bytes]:
    spare = popen(["--forked", path, str(jobs)])
    assert spare.stderr is not None
    for raw in spare.stderr:
        if b"warm, waiting for a job" in raw:
            return spare
    raise AssertionError("the forked spare ended before it was warm")


def wait_for(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_forked_spare_runs_its_job_in_its_own_process_group(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, path, jobs = server
    folder = make_job(jobs / ("1" * 32))
    spare = forked_spare(path, jobs)
    (child,) = children_of(process.pid)
    assert os.getpgid(child) == child != os.getpgid(spare.pid)  # own process group
    # in the server's session, so in its scheduling group (see priority.py), not the app's
    assert os.getsid(child) == os.getsid(process.pid) != os.getsid(spare.pid)
    assert Path(f"/proc/{child}/cwd").resolve() == jobs.resolve()
    assert spare.stdin is not None and spare.stdout is not None
    spare.stdin.write(handover_line(folder))
    spare.stdin.flush()
    assert spare.wait(timeout=TIMEOUT) == 0
    events = [json.loads(line) for line in spare.stdout.read().decode().splitlines()]
    spare.stdin.close()
    assert events[-1]["event"] == "done" and events[-1]["summary"]["rows_in"] == 300
    assert (folder / "result.zip").is_file()
    assert wait_for(lambda: children_of(process.pid) == [])


def test_closing_a_forked_spares_stdin_ends_it_with_exit_3(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    _process, path, jobs = server
    spare = forked_spare(path, jobs)
    assert spare.stdin is not None
    spare.stdin.close()
    assert spare.wait(timeout=TIMEOUT) == 3


def test_a_signal_to_the_launchers_group_reaches_the_worker_and_it_ends_the_same_way(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, path, jobs = server
    spare = forked_spare(path, jobs)
    (child,) = children_of(process.pid)
    os.killpg(spare.pid, signal.SIGTERM)  # what the watchdog's second step does
    assert spare.wait(timeout=TIMEOUT) == -signal.SIGTERM
    assert wait_for(lambda: child not in children_of(process.pid))


def test_a_sigkilled_launcher_takes_its_hanging_worker_with_it(
    server: tuple[subprocess.Popen[bytes], str, Path], tmp_path: Path
) -> None:
    process, path, jobs = server
    key = tmp_path / "key"
    os.mkfifo(key)  # reading the key blocks for ever: a hanging job
    folder = make_job(jobs / ("2" * 32), pseudonymize=True, secret_file=str(key))
    spare = forked_spare(path, jobs)
    (child,) = children_of(process.pid)
    assert spare.stdin is not None
    spare.stdin.write(handover_line(folder))
    spare.stdin.flush()
    time.sleep(0.5)
    assert spare.poll() is None and child in children_of(process.pid)  # it hangs
    os.killpg(spare.pid, signal.SIGKILL)  # the watchdog's last step
    assert spare.wait(timeout=TIMEOUT) == -signal.SIGKILL
    assert wait_for(lambda: children_of(process.pid) == [], 2.0)


def test_the_server_leaves_when_its_stdin_closes_and_its_workers_have_ended(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, path, jobs = server
    spare = forked_spare(path, jobs)
    assert process.stdin is not None and spare.stdin is not None
    process.stdin.close()
    time.sleep(0.3)
    assert process.poll() is None  # its worker still waits
    assert not Path(path).exists()  # but it takes no new requests
    spare.stdin.close()
    assert spare.wait(timeout=TIMEOUT) == 3
    assert process.wait(timeout=TIMEOUT) == 0


def test_a_launcher_without_a_server_runs_the_spare_itself(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    folder = make_job(jobs / ("3" * 32))
    spare = forked_spare(str(tmp_path / "no-such.sock"), jobs)
    assert spare.stdin is not None
    spare.stdin.write(handover_line(folder))
    spare.stdin.flush()
    assert spare.wait(timeout=TIMEOUT) == 0
    assert (folder / "result.zip").is_file()


def test_a_server_with_a_second_thread_refuses_to_fork(tmp_path: Path) -> None:
    code = (
        "import sys, threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
        "from moodlelogsmart_gui.worker_fork import serve\n"
        "sys.exit(serve(sys.argv[1]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        cwd=REPO,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 1
    assert b"threads after the imports; no forks" in done.stderr
    assert done.stdout == b""  # never said it was ready
