"""Before Qt starts on X11: are the xcb plugin's system libraries there?

When one is missing Qt aborts with "xcb-cursor0 or libxcb-cursor0 is needed", whichever
library is really missing. Here the plugin's libraries are checked with ``ldd`` first and the
missing ones are named as packages, in one sentence.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGES: dict[str, tuple[str, str]] = {
    # shared library: (Debian/Ubuntu package, Fedora package)
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libGL.so.1": ("libgl1", "mesa-libGL"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt will load the xcb plugin: Linux/BSD, and xcb asked for or no Wayland."""
    if platform in ("win32", "darwin"):
        return False
    wanted = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if wanted:
        return wanted.split(";")[0].split(":")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def xcb_plugin(env: Mapping[str, str] | None = None) -> Path | None:
    """The xcb platform plugin Qt will load: from ``QT_QPA_PLATFORM_PLUGIN_PATH`` if set
    (Qt looks there first), else the one installed with PySide6 (or in a frozen bundle)."""
    from PySide6.QtCore import QLibraryInfo

    env = os.environ if env is None else env
    folders = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    folders.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms")
    for folder in folders:
        plugin = folder / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` could not find ('libxcb-icccm.so.4 => not found'), once each."""
    missing: list[str] = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition("=>")
        name = name.strip()
        if where.strip() == "not found" and name and name not in missing:
            missing.append(name)
    return missing


def missing_sentence(libraries: list[str]) -> str:
    """One sentence naming the packages to install, Debian/Ubuntu first, then Fedora."""
    debian: list[str] = []
    fedora: list[str] = []
    unknown: list[str] = []
    for library in libraries:
        if library in PACKAGES:
            deb, rpm = PACKAGES[library]
            debian += [deb] if deb not in debian else []
            fedora += [rpm] if rpm not in fedora else []
        elif library.startswith("libQt6"):
            continue  # the wheel's own libraries; reinstalling PySide6 fixes those
        else:
            unknown.append(library)
    parts: list[str] = []
    if debian:
        parts.append(
            "install the system libraries Qt needs on X11 "
            f"(Debian/Ubuntu: sudo apt-get install {' '.join(debian)}; "
            f"Fedora: sudo dnf install {' '.join(fedora)})"
        )
    if unknown:
        parts.append("install the package that provides " + ", ".join(unknown))
    if not parts:
        parts.append("reinstall PySide6 (pip install --force-reinstall PySide6-Essentials)")
    return (
        "MoodleLogSmart cannot open its window because "
        + ", ".join(libraries)
        + (" is" if len(libraries) == 1 else " are")
        + " missing: "
        + "; ".join(parts)
        + ", then start it again."
    )


def check_xcb(env: Mapping[str, str] | None = None, plugin: Path | None = None) -> str | None:
    """The sentence to print when Qt would abort for want of a library, else None.

    Only when Qt will use xcb; any doubt (no ldd, no plugin, ldd fails) lets Qt try.
    """
    env = os.environ if env is None else env
    if not uses_xcb(env):
        return None
    plugin = plugin or xcb_plugin(env)
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return None
    try:
        out = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError) as err:
        log.info("ldd on %s failed: %s", plugin, err)
        return None
    missing = missing_libraries(out.stdout)
    if not missing:
        return None
    log.info("Qt's xcb plugin %s misses %s", plugin, ", ".join(missing))
    return missing_sentence(missing)
