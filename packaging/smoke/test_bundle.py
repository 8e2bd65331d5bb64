"""Smoke test of the built bundle (``dist/MoodleLogSmart``), run by ``.ci/run`` after the build.

    .venv/bin/python -m pytest -p no:cacheprovider packaging/smoke

Every program runs from a scratch folder with a PATH holding only ``nice`` (no Python, no
project venv) and PYTHONPATH/PYTHONHOME pointing nowhere: what a person without Python has.
Not part of the normal test run (it needs the bundle); ``MOODLELOGSMART_BUNDLE`` points
to another bundle folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from moodlelogsmart_gui.jobs.lock import AlreadyRunningError, DataFolderLock  # noqa: E402
from moodlelogsmart_gui.members import ALL_OUTPUTS  # noqa: E402
from moodlelogsmart_gui.paths import WORKER_FLAG  # noqa: E402
from tests.jobs.conftest import processes_mentioning  # noqa: E402
from tests.jobs.test_cli import json_lines, run_cli, write_log  # noqa: E402

BUNDLE = Path(os.environ.get("MOODLELOGSMART_BUNDLE") or ROOT / "dist" / "MoodleLogSmart")
CLI = BUNDLE / "moodlelogsmart"
GUI = BUNDLE / "moodlelogsmart-gui"
pytestmark = pytest.mark.skipif(not Path("/proc/self").exists(), reason="uses /proc (Linux)")


@pytest.fixture(scope="session", autouse=True)
def bundle_built() -> None:
    assert GUI.is_file() and os.access(GUI, os.X_OK), f"no bundle at {BUNDLE}: run build.py"
    assert CLI.exists(), f"{CLI} is missing"


@pytest.fixture
def user(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a person without Python: PATH = a folder with just ``nice``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    nice = shutil.which("nice")
    if nice:
        (bin_dir / "nice").symlink_to(nice)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    data = tmp_path / "data"
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(runtime),
        "MOODLELOGSMART_HOME": str(data),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(tmp_path / "nowhere"),
        "PYTHONHOME": str(tmp_path / "nowhere"),
    }
    yield env
    deadline = time.monotonic() + 10  # an orphaned worker ends itself at stdin's end
    while bundle_workers(data) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = bundle_workers(data)
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert not leftovers, "a worker outlived the test"


def bundle_workers(data: Path) -> list[int]:
    """Live worker processes of the bundle working in ``data``'s job folders."""
    jobs = str(data / "jobs")
    return [pid for pid in processes_mentioning(WORKER_FLAG) if pid in processes_mentioning(jobs)]


def zip_contents(path: Path) -> dict[str, bytes]:
    """Members and their bytes; the summary without its timing."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
        sizes = {
            i.filename: i.compress_size for i in archive.infolist() if i.filename != "summary.json"
        }
    # The same deflate (ISA-L when the venv has it) gives the same compressed sizes.
    contents["compressed sizes"] = json.dumps(sizes, sort_keys=True).encode()
    if "summary.json" in contents:
        summary = json.loads(contents["summary.json"])
        summary.pop("seconds", None)
        contents["summary.json"] = json.dumps(summary, sort_keys=True).encode()
    return contents


@pytest.mark.slow
def test_cli_processes_20000_events_like_the_venv(tmp_path: Path, user: dict[str, str]) -> None:
    log = write_log(tmp_path / "course log.csv", 20_000)
    out = tmp_path / "out"
    result = subprocess.run(
        [str(CLI), "process", str(log), "--outputs", "all", "--out", str(out), "--json"],
        cwd=tmp_path,
        env=user,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    [record] = json_lines(result.stdout)
    assert (record["state"], record["rows_in"]) == ("completed", 20_000)
    frozen = zip_contents(Path(str(record["output"])))
    # The same file through the project's venv: the bundle gives the same members, same bytes.
    reference = run_cli(
        "process", str(log), "--outputs", "all", "--out", str(tmp_path / "venv-out"), "--json",
        env={"MOODLELOGSMART_HOME": str(tmp_path / "venv-data")}, timeout=300,
    )  # fmt: skip
    assert reference.returncode == 0, reference.stderr
    expected = zip_contents(Path(str(json_lines(reference.stdout)[0]["output"])))
    assert sorted(frozen) == sorted(expected)
    assert set(ALL_OUTPUTS) <= set(frozen)  # every exporter (Parquet, OCEL, map...) frozen
    for name in expected:
        assert frozen[name] == expected[name], f"{name} differs from the venv's"


@pytest.mark.slow
def test_cli_timeout_ends_the_frozen_worker(tmp_path: Path, user: dict[str, str]) -> None:
    big = write_log(tmp_path / "big log.csv", 10_000, repeat=20)  # 200,000 events
    started = time.monotonic()
    result = subprocess.run(
        [str(CLI), "process", str(big), "--timeout", "1", "--json", "--out", str(tmp_path)],
        cwd=tmp_path,
        env=user,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [record] = json_lines(result.stdout)
    assert (record["state"], record["reason"]) == ("failed", "timeout")
    assert time.monotonic() - started < 60
    assert not list(tmp_path.glob("*.zip"))
    assert bundle_workers(Path(user["MOODLELOGSMART_HOME"])) == []


def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {seconds:.0f} s")


@pytest.mark.slow
def test_gui_shows_the_window_and_quits_cleanly_on_sigterm(
    tmp_path: Path, user: dict[str, str]
) -> None:
    data = Path(user["MOODLELOGSMART_HOME"])
    small = write_log(tmp_path / "small log.csv", 500)
    big = write_log(tmp_path / "big log.csv", 10_000, repeat=20)
    app_log = data / "logs" / "moodlelogsmart.log"
    gui = subprocess.Popen(
        [str(GUI), str(small), str(big)], cwd=tmp_path, env=user, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    spares: list[int] = []

    def logged(text: str) -> bool:
        spares.extend(pid for pid in bundle_workers(data) if pid in processes_mentioning("--spare"))
        return app_log.is_file() and text in app_log.read_text()

    try:
        wait_until(lambda: logged("window opened"), 60, "no window")
        # The small job runs to its end in a bundled worker (a warm spare when the app keeps
        # one); the big one is still running when SIGTERM comes.
        wait_until(lambda: logged(": completed"), 120, "the small job did not complete")
        wait_until(lambda: bundle_workers(data), 60, "no worker started for the big file")
        assert spares, "no warm spare worker was started from the bundle"
        gui.send_signal(signal.SIGTERM)
        output, _ = gui.communicate(timeout=30)
    finally:
        if gui.poll() is None:
            os.killpg(gui.pid, signal.SIGKILL)
            gui.wait()
    assert gui.returncode == 0, f"exit {gui.returncode}: {output}"
    assert "Traceback" not in output
    wait_until(lambda: not bundle_workers(data), 5, "a worker is still running")
    lock_file = data / "app.lock"
    assert lock_file.read_text() == "", "the lock still names a process"
    lock = DataFolderLock(lock_file)
    try:
        lock.acquire()
    except AlreadyRunningError as err:  # pragma: no cover - the failure being tested
        raise AssertionError(f"the data folder is still locked: {err}") from None
    lock.release()


def user_files(home: Path) -> set[str]:
    """Files and links under ``home`` (folders left out)."""
    return {
        str(path.relative_to(home))
        for path in home.rglob("*")
        if path.is_symlink() or not path.is_dir()
    }


def test_install_and_uninstall_from_the_tarball(tmp_path: Path, user: dict[str, str]) -> None:
    from moodlelogsmart_gui import __version__

    [archive] = BUNDLE.parent.glob(f"MoodleLogSmart-{__version__}-linux-*.tar.gz")
    subprocess.run(["tar", "xzf", str(archive), "-C", str(tmp_path)], check=True, timeout=120)
    home = Path(user["HOME"])
    (home / ".local" / "bin").mkdir(parents=True)
    (home / "notes.txt").write_text("mine")
    before = user_files(home)
    env = {**user, "PATH": f"{home / '.local' / 'bin'}:/usr/bin:/bin"}
    env.pop("XDG_DATA_HOME", None)
    install = subprocess.run(
        [str(tmp_path / "MoodleLogSmart" / "install.sh")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    opt = home / ".local" / "opt" / "MoodleLogSmart"
    entry = home / ".local" / "share" / "applications" / "moodlelogsmart.desktop"
    assert (opt / "moodlelogsmart-gui").is_file()
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    program = str(opt / "moodlelogsmart-gui")
    assert exec_line.removeprefix("Exec=") in (f"{program} %F", f'"{program}" %F')
    assert "Icon=moodlelogsmart" in text
    mime = next(line for line in text.splitlines() if line.startswith("MimeType="))
    for kind in (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    ):
        assert kind in mime.split("=", 1)[1].split(";")
    for program in ("moodlelogsmart", "moodlelogsmart-gui"):
        assert (home / ".local" / "bin" / program).resolve().parent == opt.resolve()
    jobs = subprocess.run(
        ["moodlelogsmart", "jobs"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (jobs.returncode, jobs.stdout.strip()) == (0, "No jobs yet.")
    installed = user_files(home) - before
    assert {
        ".local/bin/moodlelogsmart",
        ".local/bin/moodlelogsmart-gui",
        ".local/share/applications/moodlelogsmart.desktop",
        ".local/share/icons/hicolor/scalable/apps/moodlelogsmart.svg",
        ".local/share/icons/hicolor/256x256/apps/moodlelogsmart.png",
    } <= installed
    uninstall = subprocess.run(
        [str(opt / "uninstall.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert uninstall.returncode == 0, uninstall.stderr
    assert not opt.exists()
    # The menu's shared MIME index (update-desktop-database) is refreshed, not owned by us.
    index = ".local/share/applications/mimeinfo.cache"
    if (home / index).exists():
        assert "moodlelogsmart" not in (home / index).read_text()
    assert user_files(home) - {index} == before, "uninstall.sh left files behind"
    assert (home / "notes.txt").read_text() == "mine"


USER_RULES = """
version = 1

[[rule]]
id = "anything"
activity_type = "Any activity at all"
activity_category = "Everything"
bloom_level = "Create"
is_active = true
event_key = ['*']

[fallback]
id = "other"
activity_type = "Other activity"
activity_category = "Others"
is_active = false
"""


def test_cli_uses_a_rules_file_of_the_user_and_a_shipped_preset(
    tmp_path: Path, user: dict[str, str]
) -> None:
    log = write_log(tmp_path / "small.csv", 500)
    rules = tmp_path / "my rules.toml"
    rules.write_text(USER_RULES, encoding="utf-8")
    result = subprocess.run(
        [str(CLI), "process", str(log), "--rules", str(rules), "--out", str(tmp_path), "--json"],
        env=user, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    contents = zip_contents(Path(str(json_lines(result.stdout)[0]["output"])))
    assert str(rules) in contents["summary.json"].decode()
    enriched = contents["enriched_log.csv"].decode("utf-8-sig")
    assert "Any activity at all" in enriched and "Resource viewing" not in enriched
    # A rules preset shipped under resources/, chosen by name.
    preset = subprocess.run(
        [str(CLI), "process", str(log), "--rules", "moodle2eventlog", "--out", str(tmp_path / "p"),
         "--json"],
        env=user, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert preset.returncode == 0, preset.stdout + preset.stderr
    summary = zip_contents(Path(str(json_lines(preset.stdout)[0]["output"])))["summary.json"]
    assert json.loads(summary)["rules"]["source"] == "moodle2eventlog"


def test_bundle_holds_the_resources_and_leaves_out_tests_and_unused_qt() -> None:
    from PyInstaller.archive.readers import CArchiveReader

    internal = BUNDLE / "_internal"
    resources = internal / "moodlelogsmart_gui" / "resources"
    for name in (
        "rules.toml",
        "events.csv",
        "languages.toml",
        "icons/moodlelogsmart.svg",
        "icons/moodlelogsmart.png",
        "translations/moodlelogsmart_pt_BR.qm",
    ):
        assert (resources / name).is_file(), name
    assert (internal / "PySide6" / "Qt" / "translations" / "qtbase_pt_BR.qm").is_file()
    assert not list((internal / "PySide6" / "Qt" / "translations").glob("*_de.qm"))
    archive = CArchiveReader(str(GUI))
    [pyz] = [name for name in archive.toc if name.endswith(".pyz")]
    modules = {name.split(".")[0] for name in archive.open_embedded_archive(pyz).toc}
    assert {"moodlelogsmart_gui", "pandas", "pyarrow", "PySide6"} <= modules
    assert not modules & {"pm4py", "pytest", "_pytest", "hypothesis", "lxml", "tkinter", "PIL"}
    assert not (internal / "pm4py").exists() and not (internal / "lxml").exists()
    qt_modules = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
    assert qt_modules <= {"QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtSvg"}, qt_modules
