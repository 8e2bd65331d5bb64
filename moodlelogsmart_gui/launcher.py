"""The standalone bundle's entry point: one program, three roles.

The bundle (``packaging/``) ships one frozen executable, ``moodlelogsmart-gui``, and the
command line ``moodlelogsmart`` next to it (a link to the same program on Linux, a second
console executable on Windows). Which role runs is decided here:

- first argument :data:`~moodlelogsmart_gui.paths.WORKER_FLAG`: the worker for one job
  folder (the same module, protocol and exit codes as ``python -m moodlelogsmart_gui.worker``);
- program named ``moodlelogsmart`` (``.exe`` on Windows): the command line;
- anything else: the window.

Imports happen only for the chosen role, so the worker never loads Qt widgets and the
command line's ``--help`` stays quick.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import PurePath

from moodlelogsmart_gui.paths import WORKER_FLAG

CLI_NAME = "moodlelogsmart"


def role(argv: Sequence[str]) -> str:
    """'worker', 'cli' or 'gui' for a full ``sys.argv`` (program name first)."""
    if len(argv) > 1 and argv[1] == WORKER_FLAG:
        return "worker"
    name = PurePath(argv[0] if argv else "").name.lower()
    name = name.removesuffix(".exe")
    return "cli" if name == CLI_NAME else "gui"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the role chosen by ``argv`` (default ``sys.argv``); returns the exit code."""
    args = list(sys.argv if argv is None else argv)
    chosen = role(args)
    if chosen == "worker":
        from moodlelogsmart_gui import worker

        code = worker.main(args[2:])
        sys.stderr.flush()
        return code
    if chosen == "cli":
        from moodlelogsmart_gui import cli

        return cli.main(args[1:])
    from moodlelogsmart_gui import launch  # hands files to an open window, or opens one

    return launch.main(args[1:])
