"""The bundle's entry point and the one worker command (frozen or not), and what the
bundle leaves out (packaging/prune.py), without building the bundle."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from moodlelogsmart_gui import paths
from moodlelogsmart_gui.launcher import role

REPO = Path(__file__).resolve().parents[2]


def load_prune() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_prune", REPO / "packaging" / "prune.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/opt/MoodleLogSmart/moodlelogsmart-gui"], "gui"),
        (["/opt/MoodleLogSmart/moodlelogsmart-gui", "log.csv"], "gui"),
        (["/home/ana/.local/bin/moodlelogsmart", "process", "x.csv"], "cli"),
        (["C:\\Apps\\MoodleLogSmart\\MoodleLogSmart.EXE"], "gui"),
        (["moodlelogsmart.exe", "jobs"], "cli"),
        (["/opt/MoodleLogSmart/moodlelogsmart-gui", paths.WORKER_FLAG, "/jobs/a"], "worker"),
        (["/opt/MoodleLogSmart/moodlelogsmart", paths.WORKER_FLAG, "/jobs/a"], "worker"),
        (["/opt/MoodleLogSmart/moodlelogsmart", "process", paths.WORKER_FLAG], "cli"),
        ([], "gui"),
    ],
)
def test_role_from_program_name_and_hidden_flag(argv: list[str], expected: str) -> None:
    assert role(argv) == expected


def test_worker_command_in_a_venv_and_in_the_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path("/data/jobs/abc")
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert paths.worker_command(folder) == [
        sys.executable, "-m", "moodlelogsmart_gui.worker", str(folder)
    ]  # fmt: skip
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/MoodleLogSmart/moodlelogsmart-gui")
    assert paths.is_frozen()
    assert paths.worker_program() == ["/opt/MoodleLogSmart/moodlelogsmart-gui", paths.WORKER_FLAG]
    assert paths.worker_command(folder) == [*paths.worker_program(), str(folder)]


def test_launcher_worker_flag_runs_the_real_worker(tmp_path: Path) -> None:
    """The hidden flag reaches worker.main: a missing job folder gives its protocol error."""
    code = (
        "import sys; from moodlelogsmart_gui.launcher import main; "
        f"sys.exit(main(['moodlelogsmart-gui', {paths.WORKER_FLAG!r}, {str(tmp_path / 'gone')!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert json.loads(line) == {
        "event": "error",
        "code": "internal",
        "message": "An internal error stopped the processing; the details are in the job log.",
    }
    assert "job.json" in result.stderr


def test_launcher_cli_name_runs_the_command_line() -> None:
    code = (
        "import sys; from moodlelogsmart_gui.launcher import main; "
        "sys.exit(main(['/x/moodlelogsmart', '--help']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: moodlelogsmart ")


def test_prune_drops_unused_parts_and_their_links() -> None:
    prune = load_prune()
    assert prune.dropped("pyarrow/include/arrow/api.h")
    assert prune.dropped("pyarrow/libarrow_flight.so.2600")
    assert prune.dropped("PySide6/Qt/translations/qtbase_de.qm")
    assert not prune.dropped("PySide6/Qt/translations/qtbase_pt_BR.qm")
    assert not prune.dropped("pyarrow/libarrow.so.2600")
    assert not prune.dropped("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert not prune.dropped("PySide6/Qt/plugins/platforms/libqoffscreen.so")
    assert not prune.dropped("moodlelogsmart_gui/resources/rules.toml")
    gone = {"pyarrow/libarrow_flight.so.2600"}
    assert prune.dangling(
        ("libarrow_flight.so.2600", "pyarrow/libarrow_flight.so.2600", "SYMLINK"), gone
    )
    assert not prune.dangling(("libarrow.so.2600", "pyarrow/libarrow.so.2600", "SYMLINK"), gone)
    assert not prune.dangling(("pyarrow/libarrow_flight.so.2600", "/src", "BINARY"), gone)


def test_prune_keeps_only_top_libraries_a_package_binary_needs() -> None:
    prune = load_prune()
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/s/libqxcb.so", "BINARY"),
        ("pyarrow/lib.so", "/s/lib.so", "BINARY"),
        ("libxcb.so.1", "/usr/lib/libxcb.so.1", "BINARY"),
        ("libXau.so.6", "/usr/lib/libXau.so.6", "BINARY"),
        ("libgtk-3.so.0", "/usr/lib/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/usr/lib/libcairo.so.2", "BINARY"),
        ("libpython3.11.so.1.0", "/usr/lib/libpython3.11.so.1.0", "BINARY"),
    ]
    needs = {
        "/s/libqxcb.so": ["libxcb.so.1"],
        "/usr/lib/libxcb.so.1": ["libXau.so.6"],  # needed indirectly
        "/usr/lib/libgtk-3.so.0": ["libcairo.so.2"],  # only the dropped GTK theme needed it
        "/usr/lib/libpython3.11.so.1.0": [],
    }
    unused = prune.unneeded_top_libraries(binaries, lambda source: needs.get(source, []))
    assert unused == {"libgtk-3.so.0", "libcairo.so.2"}
