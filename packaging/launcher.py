"""PyInstaller's script for the bundle: the role is chosen in moodlelogsmart_gui.launcher."""

import sys

from moodlelogsmart_gui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
