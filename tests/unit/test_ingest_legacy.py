"""Logs from before Moodle 2.7: the old tab-separated download and the mdl_log table."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodlelogsmart_gui.pipeline.ingest import ingest
from tests.fixtures.checks import mismatches
from tests.fixtures.legacy import make_legacy_log, write_legacy_download, write_mdl_log_csv


def test_old_download_with_saved_at_line(tmp_path: Path) -> None:
    log = make_legacy_log(200, seed=1)
    result = ingest(write_legacy_download(tmp_path / "logs_20140328-1800.txt", log))
    d = result.detection
    assert d["layout"] == "legacy_report" and d["delimiter"] == "tab" and d["language"] == "en"
    assert d["date_format"] == "%d %B %Y, %I:%M %p"
    assert result.rows_in == 200
    assert mismatches(result.frame, log.expected) == {}
    assert [h for h, _ in result.original_columns][4] == "Action"
    assert result.frame["course"].eq("DEMO101").all()


@pytest.mark.parametrize("header", [True, False])
def test_mdl_log_table(tmp_path: Path, header: bool) -> None:
    log = make_legacy_log(200, seed=2, table=True)
    result = ingest(write_mdl_log_csv(tmp_path / "mdl_log.csv", log, header=header))
    d = result.detection
    assert d["layout"] == "legacy_log" and d["header_row"] is header
    assert d["timezone"] == "UTC"
    assert mismatches(result.frame, log.expected) == {}
    assert result.frame["edulevel"].notna().all()
