"""Refuses the input the way the real worker does: an error event and exit 2."""

import sys

from _common import say

say(event="progress", percent=0, stage="read")
say(event="error", code="bad_input", message="The file has no 'Event name' column.")
sys.exit(2)
