"""What one Dask task does with one course: its events from every partition, as one XES.

The course's Parquet files (written by the sessions round) are read, ordered by case,
time and input position, and written with the single-machine XES writer (the same
attributes, classifiers and escaping), gzip-compressed (with ISA-L when installed), under
a temporary name that is renamed when complete.
"""

from __future__ import annotations

import gzip
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from moodlelogsmart_gui.cluster.partition import ORDER_COLUMNS, XES_EXTRA
from moodlelogsmart_gui.pipeline.export_csv import CLASSIFICATION
from moodlelogsmart_gui.pipeline.export_xes import prepare_events, xes_chunks

SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def xes_file_names(courses: list[str]) -> dict[str, str]:
    """A file name per course: safe characters only, unique, never hidden."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for course in courses:
        stem = SAFE.sub("_", course).strip("._")[:80] or "course"
        name, n = f"{stem}.xes.gz", 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}_{n}.xes.gz"
        taken.add(name.lower())
        names[course] = name
    return names


def course_frame(folder: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The course's events as the XES writer wants them, and the row order to write."""
    wanted = ["case_id", "case_label", "timestamp", "event_key", *CLASSIFICATION, "session_id"]
    wanted += [*XES_EXTRA.values(), *ORDER_COLUMNS]
    table = pq.read_table(str(folder), columns=wanted, partitioning=None)
    frame = table.to_pandas().rename(columns={v: k for k, v in XES_EXTRA.items()})
    stamps = frame["timestamp"]
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        frame["timestamp"] = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    for column in ("case_id", "case_label"):
        frame[column] = frame[column].astype("string").astype("category")
    sessions = frame["session_id"].to_numpy(dtype=np.int64)
    most = int(sessions.max()) if len(sessions) else 0
    frame["session_id"] = pd.Categorical.from_codes(
        sessions - 1, [str(n) for n in range(1, most + 1)]
    )
    case = frame["case_id"].cat.codes.to_numpy()
    when = frame["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    keys = [frame[c].to_numpy() for c in reversed(ORDER_COLUMNS)]
    order = np.lexsort((*keys, when, case))
    return frame, order


def _gzip_writer(raw: BinaryIO) -> gzip.GzipFile:
    """A gzip stream at the fastest level: ISA-L's (the same format, several times faster)
    when the ``isal`` package is installed, the standard library's otherwise."""
    try:
        from isal import igzip
    except ImportError:  # pragma: no cover - depends on the installation
        return gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1)
    return igzip.IGzipFile(fileobj=raw, mode="wb", compresslevel=0)  # type: ignore[no-untyped-call]


def write_course_xes(
    folder: str, dest: str, attributes: Mapping[str, str], utc: bool
) -> tuple[str, int, float]:
    """One course's XES (traces per student, events in time order) at ``dest``."""
    cpu = time.process_time()
    frame, order = course_frame(Path(folder))
    offset = "+00:00" if utc else ""
    events = prepare_events(frame, offset)
    part = Path(dest).with_name(Path(dest).name + ".part")
    with open(part, "wb") as raw, _gzip_writer(raw) as out:
        for chunk in xes_chunks(events, order, attributes):
            out.write(chunk)
    os.replace(part, dest)
    return dest, len(order), time.process_time() - cpu
