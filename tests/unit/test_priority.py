"""Lower priorities behind the window (Linux): a file thread lowers its own priority only;
a worker forked from the fork server stays in the server's session, so in its scheduling
group (autogroup) instead of adding a group of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from moodlelogsmart_gui.priority import lower_thread_priority

REPO = Path(__file__).resolve().parents[2]
HAS_AUTOGROUP = sys.platform.startswith("linux") and Path("/proc/self/autogroup").exists()


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


@pytest.mark.skipif(not HAS_AUTOGROUP, reason="Linux with autogroup scheduling")
@pytest.mark.slow
def test_forked_workers_share_the_fork_servers_scheduling_group(tmp_path: Path) -> None:
    from tests.unit.test_worker_fork import WORKER, children_of, forked_spare

    jobs = tmp_path / "jobs"
    jobs.mkdir()
    server = subprocess.Popen(
        [*WORKER, "--fork-server", str(jobs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        path = json.loads(server.stdout.readline())["ready"]
        spares = [forked_spare(path, jobs) for _ in range(2)]
        children = children_of(server.pid)
        assert len(children) == 2
        group = Path(f"/proc/{server.pid}/autogroup").read_text().split()[0]
        for child in children:
            assert Path(f"/proc/{child}/autogroup").read_text().split()[0] == group
            assert os.getpgid(child) == child  # still its own process group
        for spare in spares:
            assert Path(f"/proc/{spare.pid}/autogroup").read_text().split()[0] != group
            assert spare.stdin is not None
            spare.stdin.close()  # end of file: the spare exits (3)
            assert spare.wait(timeout=60) == 3
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=60)
