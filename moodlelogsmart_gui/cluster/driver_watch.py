"""A worker plugin for a local cluster: its worker processes end with the driver.

Dask ends a worker process when a pipe from its parent closes; a process forked from the
driver (a worker pool's fork server, a test runner's helper) keeps that pipe open, and the
workers then outlive a driver that was killed. ``ExitWithDriver`` adds a check that does
not depend on file descriptors: a thread in each worker process ends the process within
half a second once its parent is no longer the driver (it was reparented because the
driver ended, by SIGKILL included).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

PARENT_CHECK_SECONDS = 0.5


class ExitWithDriver(WorkerPlugin):
    def __init__(self, driver: int) -> None:
        self.driver = driver

    def setup(self, worker: Any) -> None:
        if os.getppid() == self.driver:  # a local cluster's worker process, started here
            threading.Thread(target=self._watch, name="exit-with-driver", daemon=True).start()

    def _watch(self) -> None:
        while os.getppid() == self.driver:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)
