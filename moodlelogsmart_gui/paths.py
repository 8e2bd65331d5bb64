"""Every location the app uses, resolved in one place.

``MOODLELOGSMART_HOME`` moves every file of the app (jobs, history, settings, logs, secret)
under one folder: tests use it, and so can portable installs. Nothing is created at import
time; call :meth:`AppPaths.ensure` once at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from moodlelogsmart_gui import APP_NAME

HOME_ENV = "MOODLELOGSMART_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The app's folders and files. ``data`` holds the jobs and the history."""

    data: Path
    logs: Path
    config: Path

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None) -> AppPaths:
        """Locations from ``MOODLELOGSMART_HOME`` if set, else the platform's user folders."""
        env = os.environ if env is None else env
        home = env.get(HOME_ENV, "").strip()
        if home:
            root = Path(home).expanduser().absolute()
            return cls(data=root, logs=root / "logs", config=root)
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        )

    @property
    def jobs(self) -> Path:
        return self.data / "jobs"

    @property
    def history_db(self) -> Path:
        return self.data / "history.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.ini"

    @property
    def secret_file(self) -> Path:
        """Key of the pseudonymisation hash (0600)."""
        return self.data / "pseudonym.key"

    @property
    def lock_file(self) -> Path:
        return self.data / "app.lock"

    @property
    def app_log(self) -> Path:
        return self.logs / "moodlelogsmart.log"

    def ensure(self) -> None:
        """Create the folders; on POSIX the data folder is private to the user (0700)."""
        for folder in (self.data, self.jobs, self.logs, self.config):
            folder.mkdir(parents=True, exist_ok=True)
            if os.name == "posix" and folder in (self.data, self.jobs):
                os.chmod(folder, 0o700)


def resources_dir() -> Path:
    """The packaged ``resources`` folder (installed wheel) or the source checkout's one."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"MoodleLogSmart resources not found next to {here}")


# The built-in rule sets, chosen by name (Settings › Classification, ``--rules NAME``).
RULES_PRESETS = {"moodlelogsmart": "rules.toml", "moodle2eventlog": "rules-moodle2eventlog.toml"}


def rules_preset_path(name: str) -> Path | None:
    """The packaged rules file of a preset name (any case); None for any other name."""
    file = RULES_PRESETS.get(name.strip().lower())
    return resources_dir() / file if file else None


WORKER_FLAG = "--run-worker"
"""The hidden first argument that turns the bundle's executable into the worker."""


def is_frozen() -> bool:
    """True inside the standalone bundle (PyInstaller), where there is no ``python``."""
    return bool(getattr(sys, "frozen", False))


def worker_program() -> list[str]:
    """The worker's program and leading arguments, without the job folder.

    In a virtual environment: this Python with ``-m moodlelogsmart_gui.worker``. In the
    bundle: the bundle's own executable with its hidden worker flag (see ``launcher.py``).
    Every way of starting a worker (a job, a spare worker) builds on this one list.
    """
    if is_frozen():
        return [sys.executable, WORKER_FLAG]
    return [sys.executable, "-m", "moodlelogsmart_gui.worker"]


def worker_command(job_folder: Path) -> list[str]:
    """The argument list that runs the real worker for one job folder."""
    return [*worker_program(), str(job_folder)]
