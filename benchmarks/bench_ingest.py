"""Time and peak memory of ingest on a generated 1,000,000-row log report CSV.

    .venv/bin/python benchmarks/bench_ingest.py [--rows N] [--lang en] [--moodle 4]

The CSV is generated once into a cache folder (``--cache``, default the system temp
folder); ingest then runs in a fresh child process so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(path: Path, rows: int, lang: str, moodle: str) -> None:
    """Write ``rows`` report rows, newest first, in blocks with their own seeds and dates."""
    import datetime as dt

    from tests.fixtures.moodle_logs import make_report_log, report_csv_text

    block_rows = 20_000
    newest = dt.datetime(2024, 12, 20, 18, 0, 0)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        for block in range(max(1, rows // block_rows)):
            # a gap of up to 30 s between events: a million events span about six months
            log = make_report_log(
                block_rows, lang, moodle, seed=block, start=newest, max_gap_seconds=30
            )
            if block == 0:
                fh.write(report_csv_text([], log.header))
            fh.write(report_csv_text(log.rows, None))
            newest = log.expected[-1]["timestamp"] - dt.timedelta(seconds=7)


def child(path: Path) -> None:
    from moodlelogsmart_gui.pipeline.ingest import ingest

    started = time.perf_counter()
    stages: dict[str, float] = {}
    result = ingest(path, lambda p, s: stages.setdefault(f"{s}:{p}", time.perf_counter() - started))
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": len(result.frame),
                "seconds": round(seconds, 3),
                "peak_mb": round(peak, 1),
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                "stages": {k: round(v, 3) for k, v in stages.items()},
                "unrecognised_event_key": int(result.frame["event_key"].isna().sum()),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--moodle", default="4")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    path = args.cache / f"mls_bench_v2_{args.lang}_{args.moodle}_{args.rows}.csv"
    if not path.exists():
        generate(path, args.rows, args.lang, args.moodle)
    size = path.stat().st_size / 2**20
    baseline = time.perf_counter()
    import pyarrow.csv as pacsv

    pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    floor = time.perf_counter() - baseline
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True
    )
    figures = json.loads(out.stdout)
    print(f"file: {path} ({size:.0f} MB)")
    print(f"pyarrow read_csv alone: {floor:.2f} s")
    seconds, peak, rows = figures["seconds"], figures["peak_mb"], figures["rows"]
    cpu = figures["cpu_seconds"]
    print(
        f"ingest: {seconds:.2f} s wall, {cpu:.2f} s CPU (process), peak {peak:.0f} MB, {rows} rows"
    )
    print(f"stages: {figures['stages']}")
    print(f"rows without event_key: {figures['unrecognised_event_key']}")


if __name__ == "__main__":
    main()
