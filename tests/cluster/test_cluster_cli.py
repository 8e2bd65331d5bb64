"""``moodlelogsmart process --cluster`` end to end: the job in the history, the folder,
fsspec URLs, a bad address, and the sentence when Dask is not installed (a run stopped
from outside: test_cluster_stop.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.site_logs import write_site_logs
from tests.jobs.test_cli import REPO, assert_no_traceback, cli_env, json_lines, run_cli

pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_cluster_run_is_one_job_in_the_history(tmp_path: Path) -> None:
    files, _ = write_site_logs(tmp_path / "in", [1500, 1000], seed=4)
    out = tmp_path / "out"
    out.mkdir()
    args = ["process", *map(str, files), "--cluster", "local:2", "--out", str(out), "--json"]
    result = run_cli(*args, timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_no_traceback(result)
    record = json_lines(result.stdout)[0]
    assert record["state"] == "completed" and record["rows_in"] == 2500
    folder = Path(str(record["output"]))
    assert folder.parent == out and folder.name.startswith("logstore_part1_enriched_")
    assert sorted(p.name for p in folder.iterdir()) == ["events", "summary.json", "xes"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert (summary["partitions"], summary["workers"]) == (2, 2)
    listing = run_cli("jobs", "--json")
    jobs = json_lines(listing.stdout)
    assert [j["state"] for j in jobs] == ["completed"]
    assert str(jobs[0]["input"]).endswith("logstore_part1.csv")
    assert str(folder) in str(jobs[0]["message"])


def test_inputs_given_as_fsspec_urls(tmp_path: Path) -> None:
    """A folder URL gives its log files, read by the workers through fsspec (file:// needs
    no extra package); an unknown scheme is one sentence."""
    files, whole = write_site_logs(tmp_path / "in", [1200, 800], seed=9)
    whole.unlink()
    out = tmp_path / "out"
    out.mkdir()
    folder_url = (tmp_path / "in").as_uri()
    assert folder_url.startswith("file:///")
    result = run_cli("process", folder_url, "--cluster", "local:2", "--out", str(out),
                     "--json", timeout=400)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert_no_traceback(result)
    record = json_lines(result.stdout)[0]
    assert (record["state"], record["rows_in"]) == ("completed", 2000)
    summary = json.loads((Path(str(record["output"])) / "summary.json").read_text("utf-8"))
    assert [f["name"] for f in summary["input"]["files"]] == [p.name for p in files]
    assert summary["partitions"] == 2
    jobs = json_lines(run_cli("jobs", "--json").stdout)
    assert jobs[0]["input"] == files[0].as_uri()
    unknown = run_cli("process", "nosuchfs://bucket/log.csv", "--cluster", "local:1",
                      "--out", str(out))  # fmt: skip
    assert unknown.returncode == 2
    assert "nosuchfs://" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1
    assert_no_traceback(unknown)


def test_bad_address_and_missing_dask(tmp_path: Path) -> None:
    """(The time limit, Ctrl+C and SIGTERM: test_cluster_stop.py.)"""
    files, _ = write_site_logs(tmp_path / "in", [300], seed=1)
    bad = run_cli("process", str(files[0]), "--cluster", "localhost:2")
    assert bad.returncode == 2 and "local:N" in bad.stderr
    shadow = tmp_path / "no-dask"
    shadow.mkdir()
    (shadow / "distributed.py").write_text("raise ImportError('not here')\n", encoding="utf-8")
    env = cli_env()
    env["PYTHONPATH"] = f"{shadow}:{env['PYTHONPATH']}"
    missing = subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui.cli", "process", str(files[0]),
         "--cluster", "local:2"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        'The cluster support is not installed: run pip install "moodlelogsmart-gui[cluster]" '
        "(it adds dask[distributed])."
    )
