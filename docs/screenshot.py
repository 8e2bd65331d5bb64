"""Render the main window offscreen with real jobs and save ``docs/screenshot.png``.

    .venv/bin/python docs/screenshot.py [--out docs/screenshot.png]

Every row is a real job of the real JobQueue and store, in a throw-away data folder: two
generated Moodle logs processed by the real worker (completed), a file without the log's
columns (failed, with its reason), and two jobs held at "classifying" by the test suite's fake
worker (one running, one queued), so that the picture never depends on timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HELD = ("week_12_site_log.csv", "forum_export_term2.csv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mls-screenshot-"))
    os.environ["MOODLELOGSMART_HOME"] = str(home)
    os.environ["MOODLELOGSMART_LANG"] = os.environ.get("MOODLELOGSMART_LANG", "en")

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from moodlelogsmart_gui.gui.main_window import MainWindow
    from moodlelogsmart_gui.gui.translation import install_translators
    from moodlelogsmart_gui.jobs.queue import JobQueue
    from moodlelogsmart_gui.jobs.store import JobStore
    from moodlelogsmart_gui.paths import AppPaths, worker_command
    from moodlelogsmart_gui.settings_file import SettingsStore
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv
    from tests.gui.conftest import fake_worker_command

    app = QApplication([sys.argv[0]])
    install_translators(app)
    paths = AppPaths.resolve()
    paths.ensure()
    inputs = home / "exports"
    inputs.mkdir()
    course = make_report_log(2400, lang="en", seed=3)
    write_report_csv(inputs / "logs_BIO101_20240328-1745.csv", course.rows, lang="en")
    history = make_report_log(900, lang="pt_br", seed=5)
    write_report_csv(inputs / "logs_historia_2024.csv", history.rows, lang="pt_br")
    (inputs / "grades_week3.csv").write_text("id,course,grade\n1,BIO101,7.5\n", "utf-8")
    release = home / "never"
    for name in HELD:
        (inputs / name).write_text(f"HOLD {release}\n", "utf-8")

    def command(folder: Path) -> list[str]:
        held = any((folder / "job.json").read_text("utf-8").find(n) >= 0 for n in HELD)
        return fake_worker_command(folder) if held else worker_command(folder)

    store = JobStore(paths.history_db)
    settings_store = SettingsStore(paths.settings_file)
    loaded = settings_store.load()
    queue = JobQueue(paths, store, loaded.settings.replace(concurrent_jobs=1),
                     worker_command=command)  # fmt: skip
    window = MainWindow(queue, paths, loaded, settings_store)
    window.job_actions.ask_each.setChecked(False)
    window.resize(1200, 750)
    window.show()
    app.processEvents()
    first = args.out.with_name("screenshot-first-launch.png")
    window.grab().scaled(900, 562, mode=Qt.TransformationMode.SmoothTransformation).save(
        str(first), "PNG"
    )
    queue.start()

    def wait_until(condition: object, seconds: float) -> None:
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if condition() else None)  # type: ignore[operator]
        timer.start(50)
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()
        if not condition():  # type: ignore[operator]
            raise SystemExit("the jobs did not reach the expected states in time")

    for name in ("logs_BIO101_20240328-1745.csv", "logs_historia_2024.csv", "grades_week3.csv",
                 *HELD):  # fmt: skip
        window.add_paths([inputs / name])
        wait_until(lambda n=name: any(j.input_name == n for j in queue.jobs()), 10)

    def ready() -> bool:
        states = {job.input_name: (str(job.state), job.stage) for job in queue.jobs()}
        return (
            states.get("logs_BIO101_20240328-1745.csv", ("",))[0] == "completed"
            and states.get("logs_historia_2024.csv", ("",))[0] == "completed"
            and states.get("grades_week3.csv", ("",))[0] == "failed"
            and states.get(HELD[0]) == ("running", "classify")
        )

    wait_until(ready, 120)
    bio = next(j for j in queue.jobs() if j.input_name.startswith("logs_BIO101"))
    window.select_job(bio.id)
    window.status.refresh_size()
    wait_until(lambda: "measuring" not in window.status.size_label.text(), 10)
    app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out), "PNG")
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")
    dialog = window.open_settings()
    wait_until(lambda: window.runner.pending() == 0, 10)
    settings_png = args.out.with_name("screenshot-settings.png")
    dialog.grab().save(str(settings_png), "PNG")
    dialog.close()
    for extra in (first, settings_png):
        print(f"{extra}: {extra.stat().st_size // 1024} KB")
    queue.shutdown(cancel_running=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
