"""``moodlelogsmart process``: queue files, wait for them, save each result, one line each."""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodlelogsmart_gui.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    open_data_folder,
    qt_app,
)
from moodlelogsmart_gui.cli.printing import print_outcome
from moodlelogsmart_gui.jobs.intake import Refusal, Refused, find_logs
from moodlelogsmart_gui.terminal.listing import printable

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

    from moodlelogsmart_gui.jobs.store import Job, JobStore
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings import Settings
    from moodlelogsmart_gui.terminal.live import LiveProgress

_STOP_SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)


def find_inputs(items: list[str]) -> tuple[list[Path], list[Refusal]]:
    """Files as given (any type: the pipeline says what it is), folders searched for logs.
    A path that cannot be used ends the command; empty files are reported per file."""
    paths = [Path(item) for item in items]
    found = find_logs(paths, folder_limit=None, check_named_types=False, once=False)
    for refusal in found.refused:
        if refusal.why is not Refused.EMPTY:
            raise CliError(refusal.sentence(printable(str(refusal.path))), EXIT_USAGE)
    return found.accepted, found.refused


def output_folder(out: str | None) -> Path:
    folder = (Path(out) if out else Path.cwd()).absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CliError(
            f"The output folder {printable(str(folder))} cannot be created ({err.strerror}).",
            EXIT_USAGE,
        ) from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise CliError(f"The output folder {printable(str(folder))} is not writable.", EXIT_USAGE)
    return folder


def live_progress(stream: Any, *, wanted: bool) -> LiveProgress | None:
    """The live progress display, only when ``stream`` is a terminal that can redraw."""
    if not wanted or not stream.isatty():
        return None
    from rich.console import Console

    from moodlelogsmart_gui.terminal.live import LiveProgress

    console = Console(file=stream)
    return LiveProgress(console) if console.is_terminal and not console.is_dumb_terminal else None


def _outputs(text: str | None) -> str:
    """The ``--outputs`` list checked and normalised ("" means every member)."""
    from moodlelogsmart_gui.members import OutputsError, outputs_text, parse_outputs

    try:
        return outputs_text(parse_outputs(text or ""))
    except OutputsError as err:
        raise CliError(printable(str(err)), EXIT_USAGE) from None


def run(args: argparse.Namespace) -> int:
    from moodlelogsmart_gui.cluster.inputs import is_url
    from moodlelogsmart_gui.paths import RULES_PRESETS, rules_preset_path

    local = [item for item in args.files if not (args.cluster and is_url(item))]
    files, refused = find_inputs(local) if local else ([], [])
    out_dir = output_folder(args.out)
    if args.rules and not Path(args.rules).is_file() and not rules_preset_path(args.rules):
        raise CliError(
            f"The rules file {printable(args.rules)} does not exist; give a file or one of "
            f"{', '.join(RULES_PRESETS)}.",
            EXIT_USAGE,
        )
    if args.cluster:
        from moodlelogsmart_gui.cli.cluster_process import run_cluster_process

        if refused:
            raise CliError(refused[0].sentence(), EXIT_USAGE)
        return run_cluster_process(args, files, out_dir)
    chosen_outputs = _outputs(args.outputs)
    with open_data_folder(must_own=True) as ctx:
        app = qt_app()
        settings = ctx.settings
        if args.timeout is not None:
            settings = dataclasses.replace(settings, job_timeout_seconds=args.timeout)
        if args.outputs is not None:
            settings = dataclasses.replace(settings, outputs=chosen_outputs)
        process = ProcessRun(
            ctx.paths,
            ctx.owned_store(),
            settings,
            out_dir,
            as_json=args.json,
            quiet=args.quiet,
            live=live_progress(sys.stdout, wanted=not (args.json or args.quiet)),
            spares=len(files) > settings.concurrent_jobs,
        )
        for refusal in refused:
            process.refuse(refusal.path, refusal.sentence())
        return process.execute(
            app, files, pseudonymize=args.pseudonymize or None, rules_file=args.rules
        )


class ProcessRun:
    """One ``process`` command: submit, wait, save each result, print one line per job."""

    def __init__(
        self,
        paths: AppPaths,
        store: JobStore,
        settings: Settings,
        out_dir: Path,
        *,
        as_json: bool,
        quiet: bool = False,
        live: LiveProgress | None = None,
        spares: bool = True,
    ) -> None:
        from moodlelogsmart_gui.jobs.queue import JobQueue
        from moodlelogsmart_gui.jobs.worker_process import command_factory
        from moodlelogsmart_gui.paths import worker_command

        # No job comes after the command's files: when they all start at once (no more
        # files than job slots), a warm spare could never be used, only cost CPU beside
        # the jobs; each job then starts its own worker (the factory spares fall back to).
        factory = None if spares else command_factory(worker_command)
        self.queue = JobQueue(paths, store, settings, process_factory=factory)
        self.out_dir = out_dir
        self.as_json = as_json
        self.quiet = quiet
        self.live = live
        self.inputs: dict[str, Path] = {}
        self.failures = 0
        self.interrupted = False
        self._pending: set[str] = set()

    def refuse(self, source: Path, sentence: str) -> None:
        """A file not queued: one failed line, and the command ends with status 1."""
        self.failures += 1
        self._emit(None, source, sentence)

    def execute(
        self,
        app: QCoreApplication,
        files: list[Path],
        *,
        pseudonymize: bool | None,
        rules_file: str | None,
    ) -> int:
        from PySide6.QtCore import QTimer

        from moodlelogsmart_gui.jobs.queue import JobSubmitError
        from moodlelogsmart_gui.terminal.live import JobLine

        self.queue.job_finished.connect(self._on_finished)
        self.queue.job_updated.connect(self._on_updated)
        self.queue.start(resume_queued=False)
        for path in files:
            try:
                job_id = self.queue.submit(path, pseudonymize=pseudonymize, rules_file=rules_file)
            except JobSubmitError as err:
                self.refuse(path, str(err))
                continue
            self.inputs[job_id] = path
            self._pending.add(job_id)
            if self.live is not None:
                self.live.show(job_id, JobLine(path.name, running=False))
        flag: list[bool] = []
        previous = {s: signal.signal(s, lambda _n, _f: flag.append(True)) for s in _STOP_SIGNALS}
        poll = QTimer()
        poll.timeout.connect(lambda: self._poll(flag, app))
        poll.start(100)
        try:
            if self._pending:
                if self.live is not None:
                    self.live.start()
                app.exec()
        finally:
            poll.stop()
            self.queue.shutdown()
            if self.live is not None:
                self.live.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failures else EXIT_OK

    def _poll(self, flag: list[bool], app: QCoreApplication) -> None:
        if flag and not self.interrupted:
            self.interrupted = True
            print("Interrupted: cancelling the running jobs...", file=sys.stderr)
            for job_id in list(self._pending):
                self.queue.cancel(job_id)
        if not self._pending:
            app.quit()
        elif self.live is not None:
            self.live.tick()

    def _on_updated(self, job_id: str) -> None:
        from moodlelogsmart_gui.terminal.live import JobLine

        job = self.queue.job(job_id) if self.live is not None and job_id in self._pending else None
        if self.live is not None and job is not None and not job.is_terminal:
            self.live.show(job_id, JobLine.from_job(job, self.queue.events_read(job_id)))

    def _on_finished(self, job_id: str) -> None:
        from moodlelogsmart_gui.jobs.results import (
            copy_result,
            describe_os_error,
            result_file_name,
            unused_path,
        )
        from moodlelogsmart_gui.jobs.store import JobState

        if job_id not in self._pending:
            return
        self._pending.discard(job_id)
        job = self.queue.job(job_id)
        output: Path | None = None
        note = ""
        if job is not None and job.state == JobState.COMPLETED and job.result_path:
            dest = unused_path(self.out_dir, result_file_name(job.input_name, job.finished_at or 0))
            try:
                copy_result(Path(job.result_path), dest)
                output = dest
            except OSError as err:
                note = f"The result could not be saved: {describe_os_error(err)}"
        if job is None or job.state != JobState.COMPLETED or output is None:
            self.failures += 1
        if self.live is not None:
            self.live.done(job_id, completed=output is not None)
            self.live.tick(force=True)  # the lines redrawn under the result are current
        self._emit(job, self.inputs[job_id], note, output)

    def _emit(self, job: Job | None, source: Path, note: str, output: Path | None = None) -> None:
        print_outcome(job, source, note, output, as_json=self.as_json, quiet=self.quiet)
