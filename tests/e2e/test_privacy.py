"""Privacy end to end: with ``--pseudonymize`` no name and no IP address of the input is
anywhere the app wrote (result ZIPs, history with its WAL, app logs, job logs, settings,
the command's own output); the data folder and its secrets are private; pseudonyms are stable
for one data folder and differ for another; ZIP member names never come from the input.

Names scanned (case-sensitive, in raw bytes and after undoing HTML/XML escapes):
every full name of the log (students, teacher, administrator) and every part of length >= 4
of the students' names (``Silva``, ``Brien``, ``Conceição``, ...), so a partly replaced or
differently escaped name (``O&#039;Brien``) is caught. The teacher's and administrator's name
parts (``Teacher``, ``Admin``, ``User``) are words of Moodle's own interface text and are
scanned only as full names. Addresses: every IPv4 and IPv6 address of the input.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.pipeline.pseudonymise import pseudonym
from moodlelogsmart_gui.pipeline.run import MEMBERS
from tests.e2e.helpers import is_one_sentence
from tests.fixtures.members import member_text
from tests.fixtures.moodle_logs import (
    ADMIN,
    STUDENTS,
    TEACHER,
    make_report_log,
    report_csv_text,
    report_header,
)
from tests.jobs.test_cli import REAL_WORKER, REPO, cli_env, json_lines, run_cli

pytestmark = pytest.mark.skipif(not REAL_WORKER.exists(), reason="the real worker is absent")

IPV6 = {
    "5": "2001:db8:85a3::8a2e:370:7334",
    "6": "fe80::1ff:fe23:4567:890a",
    "7": "2001:db8:0:1:1:1:1:1",
    "8": "2a02:c7f:d8e4:6300:5c1b:8f2a:11d3:9e07",
}
HOSTILE_NAME = '.. it\'s "odd" курс\n日本 -x ..csv'
CLI = (sys.executable, "-m", "moodlelogsmart_gui.cli")
PSEUDONYM = re.compile(r"Student-[0-9a-f]{8}")


def write_realistic_log(path: Path, seed: int = 7) -> tuple[set[str], set[str]]:
    """A course log with accents, apostrophes, "X as Y" rows, names inside contexts (one
    HTML-escaped as Moodle does), IPv4 and IPv6; returns (names, addresses) to look for."""
    log = make_report_log(400, seed=seed, logged_in_as=0.15)
    ids = {name: uid for uid, name in (*STUDENTS, TEACHER, ADMIN)}
    for number, row in enumerate(log.rows):
        uid = ids.get(row[1].split(" as ")[-1], "")
        if uid in IPV6 and number % 3 == 0:
            row[8] = IPV6[uid]
        if "O'Brien" in row[3] and number % 2:
            row[3] = row[3].replace("'", "&#039;")
    log.rows.append(
        [
            "28/03/24, 17:50:00",
            ADMIN[1],
            "Liam O'Brien",
            "User: Liam O'Brien",
            "System",
            "User profile viewed",
            "The user with id '2' viewed the profile for the user with id '8'.",
            "web",
            "192.168.200.17",
        ]
    )
    text = report_csv_text(log.rows, report_header("en", "4"))
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    addresses = {row[8] for row in log.rows if row[8]}
    full = {name for _, name in (*STUDENTS, TEACHER, ADMIN)}
    parts = {p for _, name in STUDENTS for p in re.split(r"[^\w]+", name) if len(p) >= 4}
    names = full | parts
    assert all(name in text or name in html.unescape(text) for name in full)
    assert any(":" in a for a in addresses) and any("." in a for a in addresses)
    return names, addresses


def texts_of(path: Path) -> list[tuple[str, str]]:
    """(where, text) for a file: each member of a ZIP, else the bytes as UTF-8."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [
                (f"{path}!{member}", member_text(archive, member, "replace"))
                for member in archive.namelist()
            ]
    return [(str(path), data.decode("utf-8", "replace"))]


def leaks(roots: list[Path], extra: dict[str, str], secrets: set[str]) -> list[str]:
    """Every (place, secret) found under ``roots`` and in ``extra`` texts."""
    found = []
    texts = list(extra.items())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                texts += texts_of(path)
    for where, text in texts:
        for variant in {text, html.unescape(text), html.unescape(html.unescape(text))}:
            found += [f"{where}: {secret!r}" for secret in secrets if secret in variant]
    return sorted(set(found))


def process(*files: Path, out: Path, env: dict[str, str] | None = None) -> list[dict]:
    result = run_cli(
        "process",
        "--pseudonymize",
        "--json",
        "--out",
        str(out),
        "--",
        *map(str, files),
        env=env,
        timeout=90,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return [*json_lines(result.stdout), {"stdout": result.stdout, "stderr": result.stderr}]


def pseudonyms(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return set(PSEUDONYM.findall(archive.read("enriched_log.csv").decode("utf-8")))


@pytest.mark.slow
def test_nothing_personal_is_left_anywhere(tmp_path: Path, app_home: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    hostile = inputs / HOSTILE_NAME
    names, addresses = write_realistic_log(hostile)
    plain = inputs / "course log.csv"
    plain.write_bytes(hostile.read_bytes())
    out = tmp_path / "out"
    first = process(hostile, plain, out=out)
    *records, streams = first
    assert {r["state"] for r in records} == {"completed"}
    again = process(plain, out=out)  # a second run, same data folder
    *records_again, streams_again = again
    paths = AppPaths.resolve()
    # ZIP members are the five fixed names, whatever the input's name.
    zips = [Path(str(r["output"])) for r in records + records_again]
    zips += sorted(paths.jobs.glob("*/result.zip"))
    assert len(zips) == 6
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            assert sorted(archive.namelist()) == sorted(MEMBERS), path
    # Nothing personal anywhere the app wrote, nor in what the command printed.
    outputs = {
        f"run {n} {key}": s[key]
        for n, s in enumerate((streams, streams_again))
        for key in ("stdout", "stderr")
    }
    assert paths.history_db.exists() and paths.app_log.exists()
    assert list(paths.jobs.glob("*/job.log")) and paths.settings_file.parent.exists()
    secrets = names | addresses
    assert leaks([paths.data, paths.logs, paths.config, out], outputs, secrets) == []
    # Stable pseudonyms within one data folder, different ones with another secret.
    people = {name for _, name in (*STUDENTS, TEACHER, ADMIN)}
    key = paths.secret_file.read_bytes()
    by_job = [pseudonyms(z) for z in zips[:3]]
    assert by_job[0] == by_job[1] == by_job[2]
    assert len(by_job[0]) >= len(STUDENTS) + 1  # the students and the administrator
    assert by_job[0] <= {pseudonym(name, key) for name in people}
    other_home = tmp_path / "other home"
    other = process(plain, out=tmp_path / "other out", env={"MOODLELOGSMART_HOME": str(other_home)})
    other_key = AppPaths.resolve({"MOODLELOGSMART_HOME": str(other_home)}).secret_file
    other_set = pseudonyms(Path(str(other[0]["output"])))
    assert other_key.read_bytes() != key and not other_set & by_job[0]
    assert other_set == {pseudonym(name, other_key.read_bytes()) for name in people} & other_set
    assert len(other_set) == len(by_job[0])


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_data_folder_and_its_secrets_are_private(tmp_path: Path, app_home: Path) -> None:
    """Even under a permissive umask (000) the app's files are the user's alone."""
    source = tmp_path / "log.csv"
    write_realistic_log(source)
    result = subprocess.run(
        [*CLI, "process", "--pseudonymize", "--json", "--out", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=cli_env(),
        timeout=60,
        preexec_fn=lambda: os.umask(0),  # the child only
    )
    assert result.returncode == 0, result.stderr
    assert is_one_sentence(json_lines(result.stdout)[0]["message"])
    paths = AppPaths.resolve()

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(paths.data) == 0o700 and mode(paths.jobs) == 0o700
    assert mode(paths.secret_file) == 0o600 and mode(paths.history_db) == 0o600
    for sidecar in paths.data.glob("history.sqlite3-*"):
        assert mode(sidecar) == 0o600, sidecar
    for log_file in paths.logs.glob("*.log*"):
        assert mode(log_file) == 0o600, log_file
    for folder in paths.jobs.iterdir():
        assert mode(folder) & 0o077 == 0, folder
        for inside in ("result.zip", "job.log"):  # students' data, private on their own too
            assert mode(folder / inside) == 0o600, folder / inside


def test_a_refused_file_names_nobody_when_pseudonymising(tmp_path: Path, app_home: Path) -> None:
    """A refusal may quote a cell (the first unreadable date); not in a pseudonymised job."""
    log = make_report_log(60, seed=3)
    for row in log.rows:
        row[0], row[1] = row[1], row[0]  # names where the times should be
    source = tmp_path / "shifted.csv"
    source.write_text(report_csv_text(log.rows, report_header("en", "4")), encoding="utf-8")
    names = {name for _, name in STUDENTS}
    plain = run_cli("process", "--json", "--out", str(tmp_path), str(source))
    (record,) = json_lines(plain.stdout)
    assert record["reason"] == "bad_input" and any(n in str(record["message"]) for n in names)
    paths = AppPaths.resolve()
    result = run_cli("process", "--pseudonymize", "--json", "--out", str(tmp_path), str(source))
    (record,) = json_lines(result.stdout)
    assert (record["state"], record["reason"]) == ("failed", "bad_input")
    assert is_one_sentence(record["message"]) and "Time column" in str(record["message"])
    assert leaks([], {"stdout": result.stdout, "stderr": result.stderr}, names) == []
    job_log = paths.jobs / str(record["id"]) / "job.log"
    assert leaks([job_log.parent], {}, names) == []
    history = run_cli("jobs", "--json")
    mine = [r for r in json_lines(history.stdout) if r["id"] == record["id"]]
    assert leaks([], {"history": json.dumps(mine, ensure_ascii=False)}, names) == []
