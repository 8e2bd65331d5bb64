"""``moodlelogsmart-gui [FILE...]``: hand the files to the window already open on this data
folder, or start the window.

Only Qt's core and network modules are loaded before the hand-over, so a second launch (or a
file opened from the desktop) is done in a fraction of a second; the window's modules are
imported only when this launch opens the window itself (:func:`moodlelogsmart_gui.app.main`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    options = [arg for arg in args if arg.startswith("-")]
    if not options:
        from moodlelogsmart_gui.gui.single_instance import hand_over, server_name
        from moodlelogsmart_gui.paths import AppPaths

        if hand_over(server_name(AppPaths.resolve().data), [Path(arg) for arg in args]):
            return 0
    from moodlelogsmart_gui.app import main as open_window

    return open_window(args)


if __name__ == "__main__":
    sys.exit(main())
