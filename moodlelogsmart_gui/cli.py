"""The command line: the same job queue, store, runner and watchdog as the window.

Exit status: 0 every job completed (or the command succeeded); 1 some job failed, was
cancelled, or its result could not be saved (purge: some folder could not be deleted);
2 bad arguments or an unreadable path; 3 the data folder is in use by another MoodleLogSmart
or its history cannot be used; 130 interrupted with Ctrl+C (running jobs are cancelled).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodlelogsmart_gui.terminal import listing
from moodlelogsmart_gui.terminal.listing import printable

if TYPE_CHECKING:  # imported lazily at run time: `moodlelogsmart --help` stays instant
    from PySide6.QtCore import QCoreApplication

    from moodlelogsmart_gui.jobs.retention import PurgeReport
    from moodlelogsmart_gui.jobs.store import Job, JobStore
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings import Settings
    from moodlelogsmart_gui.terminal.live import LiveProgress

log = logging.getLogger("moodlelogsmart_gui.cli")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_IN_USE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
LOG_SUFFIXES = frozenset({".csv", ".xlsx", ".ods", ".json", ".txt", ".tsv"})


class CliError(Exception):
    """Ends the command with one sentence on stderr and an exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _positive_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of seconds") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the time limit must be at least 1 second")
    return value


def _duration(text: str) -> float:
    try:
        return listing.parse_duration(text)
    except listing.DurationError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _positive_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moodlelogsmart",
        description="Turn Moodle log exports into enriched, Bloom-classified event logs.",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    process = commands.add_parser("process", help="process log files (or folders of them)")
    process.add_argument("files", nargs="+", metavar="FILE", help="a log file or a folder")
    process.add_argument("--out", metavar="DIR", help="where result ZIPs go (default: here)")
    process.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_seconds,
        help="time limit per job (default: the settings' job time limit)",
    )
    process.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace names with pseudonyms and drop IP addresses",
    )
    process.add_argument(
        "--rules",
        metavar="FILE|NAME",
        help="a TOML file of Bloom rules, or a built-in set: moodlelogsmart (descriptive "
        "activities) or moodle2eventlog (Moodle2EventLog's categories as activities)",
    )
    process.add_argument("--json", action="store_true", help="one JSON object per job")
    process.add_argument(
        "--quiet",
        action="store_true",
        help="no live progress; print only the jobs that did not complete",
    )
    jobs = commands.add_parser("jobs", help="list the job history, newest first")
    jobs.add_argument("--json", action="store_true", help="one JSON object per job")
    jobs.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="STATE",
        help=f"only jobs in this state ({', '.join(listing.STATES)}); repeat or use commas",
    )
    jobs.add_argument(
        "--since",
        type=_duration,
        metavar="DURATION",
        help="only jobs added in the last DURATION, e.g. 30m, 2h, 7d",
    )
    jobs.add_argument(
        "--limit", type=_positive_count, metavar="N", help="at most N jobs (the newest)"
    )
    settings = commands.add_parser(
        "settings", help="show every setting in force and where it comes from"
    )
    settings.add_argument("--json", action="store_true", help="one JSON object per setting")
    purge = commands.add_parser("purge", help="delete expired job files now")
    purge.add_argument("--dry-run", action="store_true", help="only say what would go")
    purge.add_argument("--json", action="store_true", help="the report as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        sys.stderr.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "process": run_process,
        "jobs": run_jobs,
        "purge": run_purge,
        "settings": run_settings,
    }
    try:
        return handlers[args.command](args)
    except CliError as err:
        print(err, file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `moodlelogsmart jobs | head`: the reader has seen enough
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:
        log.exception("moodlelogsmart %s failed", args.command)
        print(
            "MoodleLogSmart stopped because of an unexpected error; the details are in "
            "its log file.",
            file=sys.stderr,
        )
        return EXIT_FAILED


# -- shared set-up -------------------------------------------------------------------------


@dataclasses.dataclass
class Context:
    """What every command works with, created here and passed in (no globals)."""

    paths: AppPaths
    store: JobStore | None
    """None only when another process owns the folder and there is no history yet."""
    settings: Settings
    owner: bool

    def owned_store(self) -> JobStore:
        """The history, writable: this process owns the data folder."""
        if self.store is None or not self.owner:
            raise CliError("Another MoodleLogSmart is using the app's folder.", EXIT_IN_USE)
        return self.store


@contextlib.contextmanager
def open_data_folder(*, must_own: bool) -> Iterator[Context]:
    """Paths, log, lock, settings and history; releases them at the end."""
    from moodlelogsmart_gui.jobs.lock import AlreadyRunningError, DataFolderLock
    from moodlelogsmart_gui.jobs.store import JobStore, StoreError
    from moodlelogsmart_gui.logs import setup_logging
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings_file import SettingsStore

    paths = AppPaths.resolve()
    try:
        paths.ensure()
        setup_logging(paths)
    except OSError as err:
        raise CliError(
            f"The app's folder {paths.data} cannot be used ({err.strerror}).", EXIT_IN_USE
        ) from None
    lock = DataFolderLock(paths.lock_file)
    try:
        lock.acquire()
    except AlreadyRunningError as err:
        if must_own:
            raise CliError(str(err), EXIT_IN_USE) from None
    loaded = SettingsStore(paths.settings_file).load()
    for problem in loaded.problems:
        log.warning("settings: %s", problem)
        print(f"Note: {problem}", file=sys.stderr)
    store = None
    try:
        if lock.held or paths.history_db.exists():
            store = JobStore(paths.history_db, read_only=not lock.held)
    except StoreError as err:
        lock.release()
        raise CliError(str(err), EXIT_IN_USE) from None
    try:
        yield Context(paths, store, loaded.settings, lock.held)
    finally:
        if store is not None:
            store.close()
        lock.release()


def _qt_app() -> QCoreApplication:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.instance() or QCoreApplication([sys.argv[0]])


# -- process -------------------------------------------------------------------------------


def expand_inputs(items: list[str]) -> list[Path]:
    """Files as given; folders become the log files directly inside them."""
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            try:
                found = sorted(
                    p for p in path.iterdir() if p.suffix.lower() in LOG_SUFFIXES and p.is_file()
                )
            except OSError as err:
                raise CliError(
                    f"The folder {printable(item)} cannot be read ({err.strerror}).", EXIT_USAGE
                ) from None
            if not found:
                raise CliError(
                    f"The folder {printable(item)} holds no log files "
                    "(.csv, .xlsx, .ods, .json, .txt, .tsv).",
                    EXIT_USAGE,
                )
            files.extend(found)
        elif not path.exists():
            raise CliError(f"The file {printable(item)} does not exist.", EXIT_USAGE)
        elif not os.access(path, os.R_OK) or not path.is_file():
            raise CliError(f"The file {printable(item)} cannot be read.", EXIT_USAGE)
        else:
            files.append(path)
    return files


def _output_folder(out: str | None) -> Path:
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


def run_process(args: argparse.Namespace) -> int:
    from moodlelogsmart_gui.paths import RULES_PRESETS, rules_preset_path

    files = expand_inputs(args.files)
    out_dir = _output_folder(args.out)
    if args.rules and not Path(args.rules).is_file() and not rules_preset_path(args.rules):
        raise CliError(
            f"The rules file {printable(args.rules)} does not exist; give a file or one of "
            f"{', '.join(RULES_PRESETS)}.",
            EXIT_USAGE,
        )
    with open_data_folder(must_own=True) as ctx:
        app = _qt_app()
        settings = ctx.settings
        if args.timeout is not None:
            settings = dataclasses.replace(settings, job_timeout_seconds=args.timeout)
        run = ProcessRun(
            ctx.paths,
            ctx.owned_store(),
            settings,
            out_dir,
            as_json=args.json,
            quiet=args.quiet,
            live=live_progress(sys.stdout, wanted=not (args.json or args.quiet)),
        )
        return run.execute(
            app, files, pseudonymize=args.pseudonymize or None, rules_file=args.rules
        )


# -- jobs and purge ------------------------------------------------------------------------


def run_jobs(args: argparse.Namespace) -> int:
    import shutil
    import time

    from moodlelogsmart_gui.jobs.retention import RetentionPolicy

    try:
        states = listing.parse_states(args.state)
    except ValueError as err:
        raise CliError(str(err), EXIT_USAGE) from None

    with open_data_folder(must_own=False) as ctx:
        if ctx.owner:
            from moodlelogsmart_gui.jobs.queue import JobQueue

            _qt_app()
            queue = JobQueue(ctx.paths, ctx.owned_store(), ctx.settings)
            queue.recover(resume_queued=False)
            jobs = queue.jobs()
        elif ctx.store is None:
            jobs = []
        else:
            policy = RetentionPolicy.from_settings(ctx.settings)
            jobs = [
                dataclasses.replace(job, expires_at=policy.expires_at(job))
                for job in ctx.store.list_jobs()
            ]
        every_id = [job.id for job in jobs]
        jobs = listing.choose_jobs(
            jobs, states=states, since_seconds=args.since, limit=args.limit, now=time.time()
        )
        short = listing.short_ids(every_id)
        width = shutil.get_terminal_size((80, 24)).columns
        for job in jobs:
            if args.json:
                record = job_record(job, job.source_path)
                record.update(
                    queued_at=job.queued_at,
                    finished_at=job.finished_at,
                    expired=job.expired,
                    expires_at=job.expires_at,
                )
                print(json.dumps(record, ensure_ascii=False))
            else:
                print("\n".join(listing.job_lines(job, short[job.id], width)))
        if not jobs and not args.json:
            print("No jobs match." if every_id else "No jobs yet.")
    return EXIT_OK


def run_settings(args: argparse.Namespace) -> int:
    """Read-only: no lock is taken, so it works while the window runs."""
    import shutil

    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.terminal import settings_view

    paths = AppPaths.resolve()
    items = settings_view.effective_settings(paths.settings_file, os.environ)
    if args.json:
        for item in items:
            print(json.dumps(settings_view.setting_record(item), ensure_ascii=False))
    else:
        width = shutil.get_terminal_size((80, 24)).columns
        print("\n".join(settings_view.setting_lines(items, paths.settings_file, width)))
    return EXIT_OK


def run_purge(args: argparse.Namespace) -> int:
    from moodlelogsmart_gui.jobs.queue import JobQueue

    with open_data_folder(must_own=True) as ctx:
        app = _qt_app()
        queue = JobQueue(ctx.paths, ctx.owned_store(), ctx.settings)
        if not args.dry_run:
            queue.recover(resume_queued=False)
        reports: list[PurgeReport] = []

        def finished(report: PurgeReport) -> None:
            reports.append(report)
            app.quit()

        queue.purge_finished.connect(finished)
        queue.purge_now(dry_run=args.dry_run)
        if not reports:
            app.exec()
        queue.shutdown()
    report = reports[0]
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(describe_purge(report))
    return EXIT_FAILED if report.errors else EXIT_OK


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
    ) -> None:
        from moodlelogsmart_gui.jobs.queue import JobQueue

        self.queue = JobQueue(paths, store, settings)
        self.out_dir = out_dir
        self.as_json = as_json
        self.quiet = quiet
        self.live = live
        self.inputs: dict[str, Path] = {}
        self.failures = 0
        self.interrupted = False
        self._pending: set[str] = set()

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
                self.failures += 1
                self._emit(None, path, str(err))
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
        if self.as_json:
            record = job_record(job, str(source), output)
            if note:
                record["message"] = note
            print(json.dumps(record, ensure_ascii=False), flush=True)
        elif not (self.quiet and output is not None):
            print(describe_outcome(job, source, note, output), flush=True)


_STOP_SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)


# -- output --------------------------------------------------------------------------------


def _seconds(job: Job | None) -> float | None:
    if job is None or job.started_at is None or job.finished_at is None:
        return None
    return round(max(0.0, job.finished_at - job.started_at), 2)


def job_record(job: Job | None, source: str, output: Path | None = None) -> dict[str, Any]:
    """The --json object: exactly id, input, state, reason, message, output, rows_in,
    rows_out, seconds."""
    if job is None:
        return {
            "id": None,
            "input": source,
            "state": "failed",
            "reason": "bad_input",
            "message": "",
            "output": None,
            "rows_in": None,
            "rows_out": None,
            "seconds": None,
        }
    return {
        "id": job.id,
        "input": source,
        "state": str(job.state),
        "reason": str(job.reason) if job.reason else None,
        "message": job.message,
        "output": str(output) if output else None,
        "rows_in": job.rows_in,
        "rows_out": job.rows_out,
        "seconds": _seconds(job),
    }


def describe_outcome(job: Job | None, source: Path, note: str, output: Path | None) -> str:
    name = printable(str(source))
    if job is None:
        return f"FAILED     {name}: {note}"
    if output is not None:
        rows = f"{job.rows_in} rows in, {job.rows_out} out, " if job.rows_in is not None else ""
        return f"completed  {name} -> {printable(str(output))} ({rows}{_seconds(job)} s)"
    reason = f" ({job.reason})" if job.reason else ""
    return f"{str(job.state).upper():<10} {name}{reason}: {note or job.message}"


def describe_purge(report: PurgeReport) -> str:
    verb = "Would delete" if report.dry_run else "Deleted"
    size = report.bytes_freed / 1_000_000
    text = (
        f"{verb} the files of {report.jobs_purged} expired jobs "
        f"({report.folders_removed} folders, {size:.1f} MB) in {report.seconds:.2f} s."
    )
    if report.errors:
        text += f" {len(report.errors)} could not be deleted: " + "; ".join(report.errors[:5])
    return text


if __name__ == "__main__":
    sys.exit(main())
