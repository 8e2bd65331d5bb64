"""Pipeline benchmark: 1,000,000 events end to end against the pyarrow read+write floor.

    .venv/bin/python benchmarks/bench_pipeline.py [--events N] [--runs K] [--keep]

Generates (once, cached in the temp folder) a realistic English log report download of N
events, then times, each in its own process: (a) the floor, pyarrow reading that CSV and
writing it back once; (b) ``process_file`` writing the result ZIP. Prints seconds, the
ratio and each process's peak memory (max RSS from wait4). Targets: ratio <= 6, peak <= 1.5 GB.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "Time,User full name,Affected user,Event context,Component,Event name,Description,"
    "Origin,IP address\n"
)
# component, event name, context, description after "The user with id '<uid>' ", share, teacher
EVENTS = (
    ("System", "Course viewed", "Course: Biology 101", "viewed the course with id '12'.", 30, 0),
    (
        "File",
        "Course module viewed",
        "File: Week {n} slides",
        "viewed the 'resource' activity with course module id '3{n}'.",
        18,
        0,
    ),
    (
        "URL",
        "Course module viewed",
        "URL: Reading {n}",
        "viewed the 'url' activity with course module id '4{n}'.",
        4,
        0,
    ),
    (
        "Page",
        "Course module viewed",
        "Page: Notes {n}",
        "viewed the 'page' activity with course module id '5{n}'.",
        4,
        0,
    ),
    (
        "Forum",
        "Course module viewed",
        "Forum: Week {n} discussion",
        "viewed the 'forum' activity with course module id '6{n}'.",
        6,
        0,
    ),
    (
        "Forum",
        "Discussion viewed",
        "Forum: Week {n} discussion",
        "has viewed the discussion with id '9{n}' in the forum with course module id '6{n}'.",
        8,
        0,
    ),
    (
        "Forum",
        "Post created",
        "Forum: Week {n} discussion",
        "has created the post with id '77{n}' in the discussion with id '9{n}' in the forum with "
        "course module id '6{n}'.",
        3,
        0,
    ),
    (
        "Quiz",
        "Quiz attempt started",
        "Quiz: Week {n} quiz",
        "has started the attempt with id '12{n}' for the quiz with course module id '8{n}'.",
        4,
        0,
    ),
    (
        "Quiz",
        "Quiz attempt submitted",
        "Quiz: Week {n} quiz",
        "has submitted the attempt with id '12{n}' for the quiz with course module id '8{n}'.",
        3,
        0,
    ),
    (
        "Assignment",
        "Course module viewed",
        "Assignment: Essay {n}",
        "viewed the 'assign' activity with course module id '2{n}'.",
        4,
        0,
    ),
    (
        "Assignment",
        "A submission has been submitted.",
        "Assignment: Essay {n}",
        "has submitted the submission with id '55{n}' for the assignment with course module id "
        "'2{n}'.",
        2,
        0,
    ),
    ("System", "User has logged in", "System", "has logged in.", 5, 0),
    (
        "Logs",
        "Log report viewed",
        "Course: Biology 101",
        "viewed the log report for the course with id '12'.",
        2,
        1,
    ),
    (
        "Assignment",
        "Grading table viewed",
        "Assignment: Essay {n}",
        "viewed the grading table for the assignment with course module id '2{n}'.",
        2,
        1,
    ),
    (
        "System",
        "Course module updated",
        "Quiz: Week {n} quiz",
        "updated the 'quiz' activity with course module id '8{n}'.",
        1,
        1,
    ),
)
FIRST = ("Ana", "José", "Zoë", "Liam", "Maria", "Chen", "Fatima", "Olga", "Kwame", "Sofia")
LAST = ("Silva", "Pérez", "Müller", "O'Brien", "da Conceição", "Wei", "Haddad", "Ivanova")


def quote(cell: str) -> str:
    """Moodle's quoting: only cells with a space, comma, quote or line end."""
    if any(ch in cell for ch in ' ,"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def generate(path: Path, events: int, seed: int = 7) -> None:
    """Write the report CSV with vectorised string building (pyarrow dictionaries + joins)."""
    rng = np.random.default_rng(seed)
    weeks = 12
    kinds = [
        (c, e, x.replace("{n}", str(w)), d.replace("{n}", str(w)), s / weeks, t)
        for c, e, x, d, s, t in EVENTS
        for w in range(1, weeks + 1)
    ]
    share = np.array([k[4] for k in kinds], dtype=float)
    kind = rng.choice(len(kinds), size=events, p=share / share.sum())
    teacher = np.array([k[5] for k in kinds], dtype=bool)[kind]
    students = 600
    user = np.where(teacher, students, rng.integers(0, students, events))
    names = [f"{FIRST[i % 10]} {LAST[i // 10 % 8]} {i}" for i in range(students)] + [
        "Teresa Teacher"
    ]
    ids = [str(100 + i) for i in range(students)] + ["3"]
    as_admin = (rng.random(events) < 0.01) & ~teacher
    gaps = rng.integers(1, 40, events)
    newest = np.datetime64("2024-06-28T17:45:31", "s")
    stamps = newest - np.cumsum(gaps).astype("timedelta64[s]")
    seconds = stamps.astype(np.int64)
    day, clock = np.divmod(seconds, 86_400)
    unique_days, day_codes = np.unique(day, return_inverse=True)
    day_text = []
    for d in unique_days.astype("datetime64[D]").tolist():
        day_text.append(f'"{d.day}/{d.month:02d}/{d.year % 100:02d}, ')
    clock_text = [f'{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}",' for s in range(86_400)]

    def pick(values: list[str], codes: np.ndarray) -> pa.Array:
        indices = pa.array(codes.astype(np.int32))
        return pa.DictionaryArray.from_arrays(indices, pa.array(values)).cast(pa.string())

    shown = [quote(n) + "," for n in names] + [quote(f"Admin User as {n}") + "," for n in names]
    user_shown = np.where(as_admin, user + len(names), user)
    pieces = [
        pick(day_text, day_codes),
        pick(clock_text, clock),
        pick(shown, user_shown),
        pick(
            [f"-,{quote(k[2])},{quote(k[0])},{quote(k[1])},\"The user with id '" for k in kinds],
            kind,
        ),
        pick(ids, user),
        pick([f"' {k[3]}\"," for k in kinds], kind),
        pick(["web,", "cli,", "ws,"], rng.choice(3, size=events, p=[0.97, 0.02, 0.01])),
        pick([f"10.{i // 250}.{i % 250}.{7 + i % 13}\n" for i in range(students + 1)], user),
    ]
    lines = pc.binary_join_element_wise(*pieces, "")
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + HEADER.encode())
        for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
            data = chunk.buffers()[2]
            handle.write(data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))
    os.replace(part, path)


def bench_input(events: int) -> Path:
    """The benchmarks' shared input: a report download of ``events`` events, generated once
    into the temp folder and reused by every benchmark that asks for the same size."""
    src = Path(tempfile.gettempdir()) / "moodlelogsmart-bench"
    src = src / f"logs_bench_{events}_v1_20240628-1800.csv"
    if not src.exists():
        started = time.perf_counter()
        generate(src, events)
        print(f"generated {src} in {time.perf_counter() - started:.1f} s")
    print(f"input: {src.stat().st_size / 1e6:.0f} MB, {events:,} events")
    return src


def child(mode: str, src: Path, dest: Path) -> None:
    """Runs in the measured process; prints its own timing as JSON on the last line."""
    if mode == "floor":
        import pyarrow.csv as pcsv

        started = time.perf_counter()
        table = pcsv.read_csv(src)
        pcsv.write_csv(table, dest)
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "rows": table.num_rows}))
        return
    if os.environ.get("BENCH_WITHOUT_ISAL"):
        sys.modules["isal"] = None  # type: ignore[assignment]  # measure the zlib fallback
    from moodlelogsmart_gui.pipeline import PipelineOptions, process_file

    started = time.perf_counter()
    summary = process_file(src, dest, PipelineOptions())
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": summary["rows_out"]}))


def measure(mode: str, src: Path, dest: Path, zlib_only: bool) -> tuple[float, float, float]:
    """(seconds inside the child, wall seconds of the child, peak RSS in MB)."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if zlib_only:
        env["BENCH_WITHOUT_ISAL"] = "1"
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", mode, str(src), str(dest)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{mode} run failed")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return result["seconds"], wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--zlib", action="store_true", help="deflate with zlib even if isal is there"
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SRC", "DEST"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    src = bench_input(args.events)
    work = src.parent
    try:
        import isal  # noqa: F401

        codec = "zlib (forced)" if args.zlib else "isal"
    except ImportError:
        codec = "zlib (isal not installed)"
    print(f"deflate: {codec}")
    floors, pipes, peaks = [], [], []
    for run in range(args.runs):
        floor, floor_wall, floor_mb = measure("floor", src, work / "floor.csv", args.zlib)
        pipe, pipe_wall, pipe_mb = measure("pipeline", src, work / "result.zip", args.zlib)
        floors.append(floor)
        pipes.append(pipe)
        peaks.append(pipe_mb)
        print(
            f"run {run + 1}: floor {floor:.2f} s (process {floor_wall:.2f} s,"
            f" peak {floor_mb:.0f} MB)"
            f" | pipeline {pipe:.2f} s (process {pipe_wall:.2f} s, peak {pipe_mb:.0f} MB)"
            f" | ratio {pipe / floor:.2f}"
        )
    zipped = (work / "result.zip").stat().st_size / 1e6
    print(
        f"best of {args.runs}: floor {min(floors):.2f} s, pipeline {min(pipes):.2f} s,"
        f" ratio {min(pipes) / min(floors):.2f}; pipeline peak {max(peaks):.0f} MB;"
        f" result.zip {zipped:.0f} MB"
    )


if __name__ == "__main__":
    main()
