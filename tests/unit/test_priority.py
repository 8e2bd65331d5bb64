"""Lower priorities behind the window (Linux): a niced worker that leads its own session
gives its scheduling group (autogroup) its nice value, never the group of the session it
was started from; a file thread lowers its own priority only; a forked worker shares the
fork server's lowered group."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from moodlelogsmart_gui.priority import autogroup_nice, lower_thread_priority

REPO = Path(__file__).resolve().parents[2]
NICE = shutil.which("nice")
HAS_AUTOGROUP = (
    sys.platform.startswith("linux")
    and autogroup_nice() is not None
    and Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
)
needs_autogroup = pytest.mark.skipif(
    not HAS_AUTOGROUP or NICE is None, reason="Linux with autogroup scheduling and nice"
)
PROBE = (
    "import json; from moodlelogsmart_gui.priority import autogroup_nice, "
    "lower_session_priority as lower; done = lower(); "
    "print(json.dumps([done, autogroup_nice()]))"
)


def run_probe(nice: int, *, own_session: bool) -> tuple[bool, int]:
    assert NICE is not None
    done = subprocess.run(
        [NICE, "-n", str(nice), sys.executable, "-c", PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=own_session,
    )
    lowered, group = json.loads(done.stdout)
    return bool(lowered), int(group)


@needs_autogroup
def test_a_niced_session_leader_lowers_its_scheduling_group() -> None:
    assert run_probe(7, own_session=True) == (True, 7)


@needs_autogroup
def test_a_niced_process_in_someone_elses_session_leaves_that_group_alone() -> None:
    mine = autogroup_nice()
    assert run_probe(7, own_session=False) == (False, mine)
    assert autogroup_nice() == mine


@needs_autogroup
def test_a_worker_at_normal_priority_keeps_a_normal_group() -> None:
    assert run_probe(0, own_session=True) == (False, 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_file_thread_lowers_only_its_own_priority() -> None:
    seen: list[tuple[bool, int]] = []

    def work() -> None:
        lowered = lower_thread_priority(10)
        seen.append((lowered, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [(True, max(10, before))]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


@needs_autogroup
@pytest.mark.slow
def test_forked_workers_share_the_niced_fork_servers_group(tmp_path: Path) -> None:
    """The window's fork server runs behind ``nice -n 10`` in its own session: its group
    gets nice 10, and the workers it forks stay in that group (own process group each)."""
    from tests.unit.test_worker_fork import WORKER, children_of, forked_spare

    assert NICE is not None
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    server = subprocess.Popen(
        [NICE, "-n", "10", *WORKER, "--fork-server", str(jobs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        path = json.loads(server.stdout.readline())["ready"]
        assert autogroup_nice(Path(f"/proc/{server.pid}/autogroup")) == 10
        spare = forked_spare(path, jobs)
        (child,) = children_of(server.pid)
        group = Path(f"/proc/{child}/autogroup").read_text()
        assert group == Path(f"/proc/{server.pid}/autogroup").read_text()
        assert os.getpgid(child) == child
        assert spare.stdin is not None
        spare.stdin.close()  # end of file: the spare exits (3)
        assert spare.wait(timeout=60) == 3
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=60)
