"""``moodlelogsmart settings``: every setting in force and where it comes from."""

from __future__ import annotations

import argparse
import json
import os
import shutil

from moodlelogsmart_gui.cli.common import EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Read-only: no lock is taken, so it works while the window runs."""
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
