"""End-to-end tests: the real command line and the real worker, in a fresh data folder."""

from __future__ import annotations

from tests.jobs.conftest import no_worker_left_behind

__all__ = ["no_worker_left_behind"]  # autouse: fails a test that leaves a worker running
