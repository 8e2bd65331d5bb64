"""A cluster run stopped from outside: Ctrl+C (SIGINT to the whole process group, as a
terminal sends it), SIGTERM, the time limit, and a driver killed outright. Each leaves no
worker process behind, nothing in the output folder, and the job recorded as it ended."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.fixtures.site_logs import write_site_logs
from tests.jobs.test_cli import REPO, cli_env, json_lines, run_cli

pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")  # installed with distributed
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class Watched:
    """The command line in its own process group (as a terminal runs it), and every process
    it started, noted while it runs."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moodlelogsmart_gui.cli", *args],
            cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        self.driver = psutil.Process(self.process.pid)
        self.started: dict[int, psutil.Process] = {}

    def note_children(self) -> None:
        try:
            for child in self.driver.children(recursive=True):
                self.started.setdefault(child.pid, child)
        except psutil.Error:  # the driver has just ended
            pass

    def left_alive(self, within: float) -> list[str]:
        """The started processes still running ``within`` seconds after the driver ended."""
        return still_running(list(self.started.values()), within)


def still_running(processes: list[psutil.Process], within: float) -> list[str]:
    """Those of ``processes`` still running (not ended, not a zombie) after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        alive = []
        for process in processes:
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{process.pid} " + " ".join(process.cmdline())[-120:])
            except psutil.Error:
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)  # polling other processes (no Qt here)


def four_files(tmp_path: Path) -> tuple[list[Path], Path]:
    """600,000 events: long enough on an idle machine to be stopped mid-run (100,000 took
    1.9 s in all, inside the time-limit test's 3 s)."""
    files, _ = write_site_logs(tmp_path / "in", [150_000] * 4, seed=6)
    out = tmp_path / "out"
    out.mkdir()
    return files, out


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_stopped_run_leaves_no_worker_and_nothing_in_the_folder(tmp_path: Path, how: str) -> None:
    files, out = four_files(tmp_path)
    run = Watched(["process", *map(str, files), "--cluster", "local:2", "--out", str(out)])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.process.poll() is None:
        run.note_children()
        if any((p / "stage").is_dir() for p in out.iterdir()):  # a partition is written
            break
        time.sleep(0.1)  # polling another process's files (no Qt here)
    assert run.process.poll() is None, run.process.communicate()
    assert len(run.started) >= 2  # the two worker processes at least
    if how == "ctrl-c":  # a terminal sends SIGINT to every process of the group
        os.killpg(run.process.pid, signal.SIGINT)
    else:
        run.process.send_signal(signal.SIGTERM)
    _, stderr = run.process.communicate(timeout=120)
    assert run.process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert run.left_alive(within=10) == []
    assert list(out.iterdir()) == []
    jobs = json_lines(run_cli("jobs", "--json").stdout)
    assert [(j["state"], j["reason"]) for j in jobs] == [("cancelled", "cancelled")]
    said = "by SIGTERM" if how == "sigterm" else "with Ctrl+C"
    assert str(jobs[0]["message"]).startswith(f"Stopped {said};")


def test_the_time_limit_leaves_no_worker_behind(tmp_path: Path) -> None:
    files, out = four_files(tmp_path)
    run = Watched(["process", *map(str, files), "--cluster", "local:2", "--out", str(out),
                   "--timeout", "3", "--json"])  # fmt: skip
    while run.process.poll() is None:
        run.note_children()
        time.sleep(0.1)  # polling another process (no Qt here)
    stdout, stderr = run.process.communicate(timeout=120)
    assert run.process.returncode == 1, stdout + stderr
    assert len(run.started) >= 2
    assert run.left_alive(within=10) == []
    record = json_lines(stdout)[0]
    assert (record["state"], record["reason"]) == ("failed", "timeout")
    assert list(out.iterdir()) == []


DRIVER = textwrap.dedent(
    """
    import os, sys, time
    from moodlelogsmart_gui.cluster.address import open_client, parse_address

    with open_client(parse_address("local:2")) as client:
        workers = client.run(os.getpid)  # the worker processes' ids
        helper = os.fork()  # like a fork server: holds a copy of every descriptor
        if helper == 0:
            time.sleep(120)
            os._exit(0)
        print(helper, *workers.values(), flush=True)
        time.sleep(120)
    """
)


def test_workers_end_when_the_driver_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no clean-up to do: the workers notice their parent is gone, even
    while a process forked from the driver keeps Dask's parent pipe open."""
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER], cwd=REPO, env=cli_env(), stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert driver.stdout is not None
    helper, *workers = (int(pid) for pid in driver.stdout.readline().split())
    try:
        assert len(workers) == 2
        processes = [psutil.Process(pid) for pid in workers]
        driver.kill()
        driver.wait(timeout=30)
        assert still_running(processes, within=10) == []
    finally:
        driver.kill()
        driver.wait(timeout=30)
        for pid in [helper, *workers]:  # the workers only if the test failed
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
