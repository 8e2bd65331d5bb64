"""A stand-in worker that speaks the real protocol in milliseconds (no pandas).

What it does depends on the first line of the input copy:
``FAIL`` -> error bad_input (exit 2); ``CRASH`` -> exit 1 with nothing said;
``HOLD <path>`` -> waits until <path> exists, then completes; ``SLOW <seconds>`` -> takes that
long; anything else -> completes at once. The result is result.zip.part renamed to result.zip.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from pathlib import Path

SUMMARY = {
    "schema": 1,
    "detected": {
        "encoding": "utf-8",
        "encoding_confidence": "certain",
        "delimiter": ",",
        "layout": "report",
        "file_format": "csv",
        "language": "en",
        "language_confidence": 0.97,
        "date_format": "%d/%m/%y, %H:%M",
        "date_order": "day_first",
        "date_order_ambiguous": True,
        "timezone": "local",
        "header_row": True,
    },
    "rows_in": 1200,
    "rows_out": 1168,
    "dropped": {"unreadable_date": 20, "logged_in_as": 12},
    "logged_in_as_events": 3,
    "events_per_activity_type": {
        "resource": 410,
        "forum": 260,
        "quiz": 198,
        "assign": 120,
        "page": 90,
        "url": 50,
        "course": 40,
    },
    "events_per_activity_category": {
        "Study_P": 710,
        "Study_A": 150,
        "Eval_A": 198,
        "Collab_A": 110,
    },
    "events_per_bloom_level": {
        "Remember": 520,
        "Understand": 280,
        "Apply": 190,
        "Analyze": 90,
        "Evaluate": 58,
        "Create": 30,
    },
    "bloom_only_events": 1100,
    "cases": 42,
    "pseudonymized": False,
    "rules": {"source": "default", "count": 180},
    "warnings": ["Dates like 03/04/24 could be day/month or month/day; day first was assumed."],
    "seconds": 0.1,
}


def say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> int:
    folder = Path(sys.argv[1])
    spec = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    src = folder / spec["input"]
    first = src.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
    command = first[0].split() if first else []
    print("fake worker: starting", folder.name, file=sys.stderr)
    say({"event": "progress", "percent": 5, "stage": "read"})
    if command[:1] == ["FAIL"]:
        print("fake worker: no Event name column", file=sys.stderr)
        say(
            {
                "event": "error",
                "code": "bad_input",
                "message": "The file has no 'Event name' column; found: id, course, when.",
            }
        )
        return 2
    if command[:1] == ["CRASH"]:
        return 1
    if command[:1] == ["HOLD"] and len(command) > 1:
        # The runner passes on at most one progress line per 100 ms (and drops the others),
        # so, like a real worker, keep reporting while classifying.
        release = Path(command[1])
        deadline = time.monotonic() + 60
        step = 0
        while not release.exists() and time.monotonic() < deadline:
            say({"event": "progress", "percent": 55 + step % 10, "stage": "classify"})
            step += 1
            time.sleep(0.12)
    delay = float(command[1]) if command[:1] == ["SLOW"] and len(command) > 1 else 0.0
    for percent, stage in ((30, "detect"), (55, "classify"), (80, "export"), (97, "package")):
        time.sleep(delay / 4)
        say({"event": "progress", "percent": percent, "stage": stage})
    part = folder / "result.zip.part"
    with zipfile.ZipFile(part, "w") as archive:
        archive.writestr("summary.json", json.dumps(SUMMARY))
        archive.writestr("enriched_log.csv", "time,user,event,bloom\n" + src.name + "\n")
    os.replace(part, folder / "result.zip")
    summary = dict(SUMMARY, input={"name": spec.get("original_name"), "bytes": src.stat().st_size})
    say({"event": "done", "summary": summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())
