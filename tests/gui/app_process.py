"""The real window entry point (``app.main``) in a child process, offscreen, with the fast fake
worker, telling the test what happens on its stdout: 'ready', 'added NAME', 'state NAME STATE'."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from moodlelogsmart_gui import app as app_module
from tests.gui.conftest import fake_worker_command

app_module.build.__kwdefaults__["worker_command"] = fake_worker_command
real_build = app_module.build

def build(files, **kwargs):
    context = real_build(files, **kwargs)
    if context is not None:
        q = context.queue
        def said(kind, job_id):
            job = q.job(job_id)
            if job is not None:
                print(kind, job.input_name, str(job.state), flush=True)
        q.job_added.connect(lambda job_id: said("added", job_id))
        q.job_updated.connect(lambda job_id: said("state", job_id))
        context.window.job_actions.ask_each.setChecked(False)
        print("ready", flush=True)
    return context

app_module.build = build
sys.exit(app_module.main(sys.argv[1:]))
"""


def app_env(home: Path) -> dict[str, str]:
    return dict(
        os.environ,
        MOODLELOGSMART_HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(REPO),
    )


class AppProcess:
    """A window process; :meth:`wait_for` reads its report lines (never sleeps)."""

    def __init__(self, home: Path, *files: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", PROBE, *map(str, files)],
            cwd=REPO, env=app_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, wanted: str, timeout: float = 60) -> str:
        """The first report line starting with ``wanted``; fails after ``timeout`` seconds."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"never said {wanted!r}; said {self.seen}") from None
            self.seen.append(line)
            if line.startswith(wanted):
                return line

    def stop(self) -> None:
        """Quit as a desktop session would (SIGTERM: the socket and the lock are given back),
        killed only if that fails."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait(30)
