"""Whether a queue keeps warm spare workers, and the worker factory its runners then use.

Spares are kept for the real worker (the default ``worker_command``, or the window's
``nice``-wrapped one given as ``spare_command``); a test's fake worker or its own
``process_factory`` gets none. With spares, a runner's factory hands the job to a spare and
starts a fresh worker only when there is none (see jobs/spare.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from moodlelogsmart_gui import paths as paths_module
from moodlelogsmart_gui.jobs.spare import SpareWorkers
from moodlelogsmart_gui.jobs.spare_process import default_spare_command, watched_files
from moodlelogsmart_gui.jobs.worker_process import ProcessFactory, command_factory
from moodlelogsmart_gui.settings import Settings

Command = Callable[[Path], list[str]]


def spares_for(
    jobs_folder: Path,
    settings: Settings,
    worker_command: Command,
    process_factory: ProcessFactory | None,
    spare_command: Command | None,
    idle_seconds: float,
) -> tuple[SpareWorkers | None, ProcessFactory]:
    """(the spares, or None; the factory the queue's runners call)."""
    factory = process_factory or command_factory(worker_command)
    if spare_command is None and worker_command is paths_module.worker_command:
        spare_command = default_spare_command  # the real worker: keep a warm spare
    if spare_command is None or process_factory is not None:
        return None, factory
    spares = SpareWorkers(
        spare_command, jobs_folder, watched_files(settings), idle_seconds=idle_seconds
    )
    spares.set_slots(settings.concurrent_jobs)
    return spares, spares.factory(factory)
