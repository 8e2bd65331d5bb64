"""Before Qt aborts for want of an X11 library, the missing packages are named in one sentence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from moodlelogsmart_gui.gui import xcb_check
from tests.gui.app_process import REPO

# ldd on PySide6 6.11's libqxcb.so on a Debian 12 server with libxcb-cursor0 installed: Qt
# itself said "xcb-cursor0 or libxcb-cursor0 is needed" here.
LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd5a3f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x1)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f0c1f1e8000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f0c1f1e0000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
"""


def test_the_sentence_names_the_packages_really_missing() -> None:
    missing = xcb_check.missing_libraries(LDD_OUTPUT)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    sentence = xcb_check.missing_sentence(missing)
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1;" in sentence
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms)" in sentence
    assert "cursor" not in sentence
    assert sentence.endswith(" then start it again.") and ". " not in sentence  # one sentence


def test_an_unknown_library_is_named_as_it_is() -> None:
    sentence = xcb_check.missing_sentence(["libfoo.so.9"])
    assert "libfoo.so.9 is missing: install the package that provides libfoo.so.9" in sentence


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, True),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"QT_QPA_PLATFORM": "offscreen"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, True),
    ],
)
def test_only_checked_when_qt_will_use_xcb(env: dict[str, str], expected: bool) -> None:
    assert xcb_check.uses_xcb(env, "linux") is expected
    assert xcb_check.uses_xcb(env, "win32") is False


PLUGIN = xcb_check.xcb_plugin()


@pytest.mark.skipif(PLUGIN is None, reason="no xcb plugin on this system")
def test_the_real_plugin_agrees_with_ldd(tmp_path: Path) -> None:
    assert PLUGIN is not None
    truth = subprocess.run(["ldd", str(PLUGIN)], capture_output=True, text=True).stdout
    problem = xcb_check.check_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert (problem is None) == ("not found" not in truth)


def plugin_missing_a_library(folder: Path) -> Path:
    """A copy of Qt's xcb plugin that needs a library no system has (its name patched in the
    ELF string table, same length), whatever is installed on this machine."""
    assert PLUGIN is not None
    data = PLUGIN.read_bytes()
    assert b"libxcb-icccm.so.4\0" in data
    platforms = folder / "platforms"
    platforms.mkdir(parents=True)
    patched = platforms / "libqxcb.so"
    patched.write_bytes(data.replace(b"libxcb-icccm.so.4\0", b"libxcb-gone0.so.4\0"))
    return platforms


@pytest.mark.skipif(PLUGIN is None or sys.platform != "linux", reason="no xcb plugin here")
def test_the_app_prints_the_sentence_instead_of_qt_aborting(app_home: Path, tmp_path: Path) -> None:
    assert PLUGIN is not None
    env = {
        "QT_QPA_PLATFORM": "xcb",
        "QT_QPA_PLATFORM_PLUGIN_PATH": str(plugin_missing_a_library(tmp_path)),
        "LD_LIBRARY_PATH": str(PLUGIN.parents[2] / "lib"),  # the wheel's Qt, as $ORIGIN finds it
        "DISPLAY": ":99",
        "PATH": "/usr/bin:/bin",
        "MOODLELOGSMART_HOME": str(app_home),
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # Qt's abort is -6 (SIGABRT)
    assert done.stderr.startswith("MoodleLogSmart cannot open its window because ")
    assert "install the package that provides libxcb-gone0.so.4" in done.stderr
    assert "is needed" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
