"""Exits with status 3 after a complaint on stderr, without a protocol error."""

import sys

print("worker: the sky fell", file=sys.stderr, flush=True)
sys.exit(3)
