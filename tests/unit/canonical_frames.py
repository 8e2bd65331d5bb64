"""Hand-built canonical frames (architecture.md section 3) for the output-side unit tests."""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

CANONICAL = (
    "timestamp",
    "user_id",
    "user_name",
    "real_user",
    "affected_user",
    "context",
    "component",
    "event_name",
    "description",
    "origin",
    "ip",
    "course",
    "event_key",
    "module",
    "cmid",
    "edulevel",
    "crud",
)
REPORT_HEADERS = (
    ("Time", "orig_time"),
    ("User full name", "orig_user"),
    ("Affected user", "affected_user"),
    ("Event context", "context"),
    ("Component", "component"),
    ("Event name", "event_name"),
    ("Description", "description"),
    ("Origin", "origin"),
    ("IP address", "ip"),
)
# (event_key, module, component, event_name, edulevel, crud)
EVENTS = {
    "course_view": (r"\core\event\course_viewed", None, "System", "Course viewed", 2, "r"),
    "resource_view": (
        r"\mod_resource\event\course_module_viewed",
        "resource",
        "File",
        "Course module viewed",
        2,
        "r",
    ),
    "forum_view": (
        r"\mod_forum\event\discussion_viewed",
        "forum",
        "Forum",
        "Discussion viewed",
        2,
        "r",
    ),
    "forum_post": (r"\mod_forum\event\post_created", "forum", "Forum", "Post created", 2, "c"),
    "quiz_start": (
        r"\mod_quiz\event\attempt_started",
        "quiz",
        "Quiz",
        "Quiz attempt started",
        2,
        "c",
    ),
    "assign_submit": (
        r"\mod_assign\event\assessable_submitted",
        "assign",
        "Assignment",
        "A submission has been submitted.",
        2,
        "u",
    ),
    "login": (r"\core\event\user_loggedin", None, "System", "User has logged in", 0, "r"),
    "report": (r"\report_log\event\report_viewed", None, "Logs", "Log report viewed", 1, "r"),
    "grading": (
        r"\mod_assign\event\grading_table_viewed",
        "assign",
        "Assignment",
        "Grading table viewed",
        1,
        "r",
    ),
    "unknown": (None, None, "Mystery", "Something else", None, None),
}


def event(
    kind: str,
    when: str,
    user_id: str | None = "5",
    user_name: str | None = "Ana Silva",
    **extra: Any,
) -> dict[str, Any]:
    """One canonical row of the given kind."""
    key, module, component, name, level, crud = EVENTS[kind]
    row: dict[str, Any] = {
        "timestamp": pd.Timestamp(when),
        "user_id": user_id,
        "user_name": user_name,
        "real_user": None,
        "affected_user": "-",
        "context": "Course: Biology 101",
        "component": component,
        "event_name": name,
        "description": f"The user with id '{user_id}' did {kind}.",
        "origin": "web",
        "ip": "10.0.0.7",
        "course": None,
        "event_key": key,
        "module": module,
        "cmid": None,
        "edulevel": level,
        "crud": crud,
    }
    row.update(extra)
    return row


def canonical_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame with exactly the canonical dtypes, plus report-style original columns."""
    frame = pd.DataFrame(rows, columns=list(CANONICAL))
    for column in CANONICAL:
        if column == "timestamp":
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        elif column == "edulevel":
            frame[column] = frame[column].astype("Int8")
        else:
            frame[column] = frame[column].astype("string")
    frame["orig_time"] = frame["timestamp"].dt.strftime("%-d/%m/%y, %H:%M:%S").astype("string")
    real = frame["real_user"]
    frame["orig_user"] = (real + " as " + frame["user_name"]).fillna(frame["user_name"])
    frame["orig_user"] = frame["orig_user"].fillna("-").astype("string")
    return frame


@dataclass
class FakeIngested:
    """Stands in for pipeline.ingest.Ingested in tests that start after ingest."""

    frame: pd.DataFrame
    original_columns: list[tuple[str, str]] = field(default_factory=lambda: list(REPORT_HEADERS))
    detection: dict[str, Any] = field(
        default_factory=lambda: {
            "layout": "report",
            "language": "en",
            "timezone": "local",
            "columns": {
                "time": "Time",
                "user_name": "User full name",
                "affected_user": "Affected user",
                "context": "Event context",
                "component": "Component",
                "event_name": "Event name",
                "description": "Description",
                "origin": "Origin",
                "ip": "IP address",
            },
        }
    )
    rows_in: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rows_in = self.rows_in or len(self.frame)


def mixed_result_zip(tmp: Path) -> zipfile.ZipFile:
    """The streaming pipeline's ZIP of 20 events of 3 students, half of them unclassified."""
    from moodlelogsmart_gui.pipeline import PipelineOptions
    from moodlelogsmart_gui.pipeline.classify import load_rules
    from moodlelogsmart_gui.pipeline.run import process_ingested

    frame = canonical_frame(
        [
            event(kind, f"2024-01-05 09:{i:02d}:00", user_id=str(i % 3), user_name=f"P{i % 3}")
            for i, kind in enumerate(["login", "forum_post", "login", "course_view"] * 5)
        ]
    )
    dest = tmp / "result.zip"
    options = PipelineOptions(pseudonymize=False)
    process_ingested(
        FakeIngested(frame), dest, options, load_rules(), lambda p, s: None, {}, time.perf_counter()
    )
    return zipfile.ZipFile(dest)
