"""The desktop entry (menu item "MoodleLogSmart") and its icon, installed for the user.

``desktop_entry_text(command)`` is the one place the entry's text is written; the standalone
bundle's installer prints it with ``python -m moodlelogsmart_gui.desktop_entry --print EXEC``
(or calls :func:`install` with its own command). Files opened with the entry (``%F``) reach
the window like files on the command line: a running window queues them.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from moodlelogsmart_gui import APP_NAME
from moodlelogsmart_gui.paths import resources_dir

APP_ID = "moodlelogsmart"
"""Desktop file name (without .desktop), icon name and Qt's desktopFileName."""

MIME_TYPES = (
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
)
"""What the app opens (not text/plain: it would offer itself for every text file)."""


def quote_exec_argument(argument: str) -> str:
    """One Exec argument, always quoted, as the Desktop Entry Specification allows: '"',
    '`', '$' and '\\' escaped with a backslash, '%' doubled."""
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return '"' + escaped.replace("%", "%%") + '"'


def desktop_entry_text(command: Sequence[str], icon: str = APP_ID) -> str:
    """The .desktop file for ``command`` (the program and its fixed arguments)."""
    exec_line = " ".join(quote_exec_argument(part) for part in command) + " %F"
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.4",
            f"Name={APP_NAME}",
            "GenericName=Moodle log converter",
            "GenericName[pt_BR]=Conversor de logs do Moodle",
            "Comment=Turn Moodle log exports into enriched CSV and XES event logs",
            "Comment[pt_BR]=Transforma logs exportados do Moodle em CSV e XES enriquecidos",
            f"Exec={exec_line}",
            f"Icon={icon}",
            "Terminal=false",
            "StartupNotify=true",
            f"StartupWMClass={APP_NAME}",
            "Categories=Education;",
            "Keywords=Moodle;log;XES;CSV;process mining;Bloom;",
            "MimeType=" + ";".join(MIME_TYPES) + ";",
            "",
        ]
    )


def current_command() -> list[str]:
    """How this copy of the app is started: the bundle's executable, the installed
    ``moodlelogsmart-gui`` script, or this Python with ``-m moodlelogsmart_gui``."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).absolute())]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "moodlelogsmart-gui" and script.exists():
        return [str(script.absolute())]
    found = shutil.which("moodlelogsmart-gui")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "moodlelogsmart_gui"]


def data_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    configured = env.get("XDG_DATA_HOME", "").strip()
    return Path(configured) if configured else Path.home() / ".local" / "share"


def install(
    command: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> list[Path]:
    """Write the entry and the icons under the user's data home; returns the files written."""
    base = data_home(env)
    icons = resources_dir() / "icons"
    written: list[Path] = []
    targets = {
        icons / f"{APP_ID}.svg": base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        icons / f"{APP_ID}.png": base / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png",
    }
    for source, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    entry = base / "applications" / f"{APP_ID}.desktop"
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = entry.with_suffix(".desktop.part")
    partial.write_text(desktop_entry_text(command or current_command()), encoding="utf-8")
    os.replace(partial, entry)
    written.append(entry)
    return written


def install_command() -> int:
    """``moodlelogsmart-gui --install-desktop-entry``: one line per file, or one sentence."""
    if sys.platform in ("win32", "darwin"):
        print("Desktop entries are for Linux desktops; on this system start the app directly.")
        return 1
    try:
        written = install()
    except OSError as err:
        print(f"The desktop entry could not be installed: {err}.", file=sys.stderr)
        return 1
    print(f"{APP_NAME} is now in your applications menu (it may take a moment to appear):")
    for path in written:
        print(f"  {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover - used by the bundle's installer
    if len(sys.argv) >= 3 and sys.argv[1] == "--print":
        sys.stdout.write(desktop_entry_text(sys.argv[2:]))
        sys.exit(0)
    sys.exit(install_command())
