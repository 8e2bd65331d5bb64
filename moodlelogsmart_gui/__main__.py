"""``python -m moodlelogsmart_gui [FILE...]`` opens the window."""

import sys

from moodlelogsmart_gui.app import main

sys.exit(main())
