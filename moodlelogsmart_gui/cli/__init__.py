"""The command line: the same job queue, store, runner and watchdog as the window.

Exit status: 0 every job completed (or the command succeeded); 1 some job failed, was
cancelled, or its result could not be saved (purge: some folder could not be deleted);
2 bad arguments or an unreadable path; 3 the data folder is in use by another MoodleLogSmart
or its history cannot be used; 130 interrupted with Ctrl+C (running jobs are cancelled).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from moodlelogsmart_gui.cli import arguments, history, process, show_settings
from moodlelogsmart_gui.cli.arguments import Command
from moodlelogsmart_gui.cli.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, CliError

log = logging.getLogger("moodlelogsmart_gui.cli")

COMMANDS: tuple[Command, ...] = (
    Command("process", "process log files (or folders of them)", arguments.process, process.run),
    Command("jobs", "list the job history, newest first", arguments.jobs, history.run_jobs),
    Command(
        "settings",
        "show every setting in force and where it comes from",
        arguments.settings,
        show_settings.run,
    ),
    Command("purge", "delete expired job files now", arguments.purge, history.run_purge),
)
"""Every command: adding one is adding its arguments function, its run function and a line."""


def build_parser() -> argparse.ArgumentParser:
    return arguments.build_parser(COMMANDS, epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        sys.stderr.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        return int(args.run(args))
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
