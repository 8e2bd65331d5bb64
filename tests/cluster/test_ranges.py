"""Partitions smaller than a file, in one process (no Dask): the decisions taken once up
front, byte ranges read with them give exactly the rows and figures of the whole file,
and a file that cannot tell its day/month order takes the one the other files show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from moodlelogsmart_gui.cluster.decide import agree, decide
from moodlelogsmart_gui.cluster.inputs import Input, local_inputs
from moodlelogsmart_gui.cluster.partition import RunSpec
from moodlelogsmart_gui.cluster.ranges import plan_units, quoted_cuts
from moodlelogsmart_gui.cluster.reading import read_inputs
from moodlelogsmart_gui.cluster.totals import file_figures
from moodlelogsmart_gui.cluster.units import enrich_unit
from moodlelogsmart_gui.pipeline.errors import BadInputError
from tests.fixtures.moodle_logs import make_report_log, write_report_csv
from tests.fixtures.site_logs import write_site_logs

KEY = b"k" * 32
pytestmark = pytest.mark.slow


def run_units(
    items: list[Input], staging: Path, range_bytes: int
) -> tuple[list[dict[str, Any]], pd.DataFrame, list[int]]:
    """Decide, agree, read every unit in turn: the files' figures, the staged events (as
    text, input position left out) and the number of units per file."""
    staging.mkdir()
    spec = RunSpec(str(staging), None, True, KEY, buckets=3)
    decided = agree([decide(i, True, range_bytes) for i in items], [i.name for i in items])
    figures, counts = [], []
    for f, (item, d) in enumerate(zip(items, decided, strict=True)):
        units = plan_units(f, item, d.decisions, d.cuts, range_bytes)
        results = [enrich_unit(u, d.decisions, spec) for u in units]
        assert not any(r.figures.get("cut_failed") for r in results)
        figures.append(file_figures(item, d, results))
        counts.append(len(units))
    files = sorted((staging / "stage").rglob("*.parquet"))
    table = pa.concat_tables([pq.read_table(p) for p in files], promote_options="permissive")
    frame = table.drop_columns(["input_part", "input_row"]).to_pandas().astype(str)
    return figures, frame.sort_values(list(frame.columns)).reset_index(drop=True), counts


@pytest.mark.parametrize("kind", ["logstore", "report"])
def test_byte_ranges_give_the_rows_and_figures_of_the_whole_file(tmp_path: Path, kind: str) -> None:
    if kind == "logstore":  # cells with line breaks: boundaries from the quote count
        files, _ = write_site_logs(tmp_path / "in", [6000, 4000], seed=3)
    else:  # a log report download; descriptions hold line breaks too
        log = make_report_log(5000, seed=2, site=True)
        files = [tmp_path / "logs_site_20240328-1800.csv"]
        write_report_csv(files[0], log.rows, site=True)
    items = local_inputs(files)
    whole, whole_rows, whole_units = run_units(items, tmp_path / "whole", 1 << 30)
    cut, cut_rows, cut_units = run_units(items, tmp_path / "cut", 150_000)
    assert whole_units == [1] * len(files)
    assert all(n >= 3 for n in cut_units), cut_units
    for a, b in zip(whole, cut, strict=True):
        assert a["input"].pop("parts") == 1 and b["input"].pop("parts") > 1
        assert a == b
    assert len(cut_rows) == sum(f["rows_out"] for f in cut) > 0
    pd.testing.assert_frame_equal(whole_rows, cut_rows)


def test_quoted_cuts_never_split_a_quoted_cell(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    rows = [f'{i},"line one\nline two ""{i}""\nthree",x\n' for i in range(3000)]
    path.write_text("id,text,tail\n" + "".join(rows), encoding="utf-8")
    data = path.read_bytes()
    cuts = quoted_cuts(path, len(data), 10_000)
    assert len(cuts) >= 5
    starts = {len("id,text,tail\n") + sum(len(r) for r in rows[:i]) for i in range(3000)}
    assert set(cuts) <= starts


def _en_us_report(path: Path, start: dt.datetime, n: int, gap: int) -> Path:
    """Moodle 3 month-first times (an en_us site)."""
    log = make_report_log(n, lang="en_us", moodle="3", seed=4, start=start, max_gap_seconds=gap)
    write_report_csv(path, log.rows, lang="en", moodle="3")  # English headers
    return path


def test_an_ambiguous_file_takes_the_day_month_order_of_the_others(tmp_path: Path) -> None:
    # 12 March 2024, a few hours: every date reads 03/12/24 (ambiguous on its own)
    alone = _en_us_report(
        tmp_path / "logs_a_20240312-2000.csv", dt.datetime(2024, 3, 12, 18), 40, 300
    )
    # three weeks of April: 04/13/24 ... tells month first
    other = _en_us_report(
        tmp_path / "logs_b_20240430-2000.csv", dt.datetime(2024, 4, 29, 18), 400, 6000
    )
    items = local_inputs([alone, other])
    on_its_own = decide(items[0], False)
    assert on_its_own.decisions.times.ambiguous
    assert on_its_own.decisions.times.order == "day_first"
    a, b = agree([on_its_own, decide(items[1], False)], [i.name for i in items])
    assert b.decisions.times.order == "month_first" and not b.decisions.times.ambiguous
    assert a.decisions.times.order == "month_first" and not a.decisions.times.ambiguous
    assert a.decisions.detection["date_order"] == "month_first"
    assert a.decisions.detection["date_format"].startswith("%m/%d")
    assert not [w for w in a.decisions.warnings if w.startswith("The date order was ambiguous")]
    assert any("taken from the other files" in w for w in a.warnings)
    staging = tmp_path / "staging"
    staging.mkdir()
    spec = RunSpec(str(staging), None, False, None, buckets=1)
    (unit,) = plan_units(0, items[0], a.decisions)
    assert enrich_unit(unit, a.decisions, spec).rows_out > 0
    stamps = pq.read_table(staging / "stage").column("timestamp").to_pandas()
    assert set(stamps.dt.date) == {dt.date(2024, 3, 12)}  # not 3 December


def test_utc_and_local_files_are_refused_together(tmp_path: Path) -> None:
    files, _ = write_site_logs(tmp_path / "in", [200], seed=1)
    report = _en_us_report(tmp_path / "logs_c_20240430-2000.csv", dt.datetime(2024, 4, 29), 50, 600)
    items = local_inputs([files[0], report])
    with pytest.raises(BadInputError, match="mix UTC times"):
        agree([decide(i, False) for i in items], [i.name for i in items])


class InlineClient:
    """Runs each task at once in this process (the driver's logic without Dask)."""

    def submit(self, fn: Any, *args: Any, key: str = "") -> Any:
        return fn(*args)

    def scatter(self, values: list[Any], broadcast: bool = False) -> list[Any]:
        return list(values)


def test_a_file_whose_parts_do_not_parse_is_read_whole(tmp_path: Path) -> None:
    """A stray quote inside an unquoted cell misleads the quote count: the parts fail to
    parse, their staged files are removed and the file is read whole, once."""
    files, _ = write_site_logs(tmp_path / "in", [6000], seed=7)
    text = files[0].read_text(encoding="utf-8")
    assert ",web," in text
    files[0].write_text(text.replace(",web,", ',w"eb,', 1), encoding="utf-8")
    staging = tmp_path / "staging"
    staging.mkdir()
    spec = RunSpec(str(staging), None, False, None, buckets=2, range_bytes=150_000)
    read = read_inputs(InlineClient(), list, local_inputs(files), spec, "run")
    (only,) = read.files
    assert read.partitions > 3  # the parts were tried
    assert only.figures["input"]["parts"] == 1
    assert "The file was read whole (its parts did not agree)." in only.figures["warnings"]
    assert only.figures["rows_in"] == 6000
    staged = sorted((staging / "stage").rglob("*.parquet"))
    assert {p.name.rsplit("-", 1)[0] for p in staged} == {"part-00000-00000"}
    rows = sum(pq.read_metadata(p).num_rows for p in staged)
    assert rows == only.rows_out > 0
