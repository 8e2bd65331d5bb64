"""``python -m moodlelogsmart_gui.cli``."""

import sys

from moodlelogsmart_gui.cli import main

sys.exit(main())
