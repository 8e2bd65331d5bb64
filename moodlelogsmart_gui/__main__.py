"""``python -m moodlelogsmart_gui [FILE...]`` opens the window (or hands the files to the
window already open on this data folder)."""

import sys

from moodlelogsmart_gui.launch import main

sys.exit(main())
