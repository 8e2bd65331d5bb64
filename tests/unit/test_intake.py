"""The one intake: which dropped or named paths are logs to process, and why not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moodlelogsmart_gui.jobs.intake import (
    JobSubmitError,
    Refused,
    check_file,
    find_logs,
    validate_source,
)


def log(path: Path, text: str = "Time,Event name\n1,x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folders_are_searched_three_levels_down_skipping_hidden(tmp_path: Path) -> None:
    root = tmp_path / "drop"
    expected = [
        log(root / "a.csv"),
        log(root / "one" / "b.xlsx"),
        log(root / "one" / "two" / "c.json"),
        log(root / "one" / "two" / "three" / "d.tsv"),
    ]
    log(root / "one" / "two" / "three" / "four" / "too_deep.csv")
    log(root / ".hidden" / "x.csv")
    log(root / ".dot.csv")
    (root / "notes.docx").write_bytes(b"doc")
    found = find_logs([root])
    assert found.accepted == expected
    assert found.refused == []


def test_each_refusal_has_its_reason_and_one_sentence(tmp_path: Path) -> None:
    good = log(tmp_path / "good.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    pdf = log(tmp_path / "slides.pdf")
    missing = tmp_path / "gone.csv"
    no_logs = tmp_path / "photos"
    (no_logs / "p.png").parent.mkdir()
    (no_logs / "p.png").write_bytes(b"png")
    found = find_logs([good, empty, pdf, missing, no_logs, good])
    assert found.accepted == [good]  # taken once although named twice
    reasons = {r.path.name: r.why for r in found.refused}
    assert reasons == {
        "empty.csv": Refused.EMPTY,
        "slides.pdf": Refused.NOT_LOG_TYPE,
        "gone.csv": Refused.MISSING,
        "photos": Refused.NO_LOGS_IN_FOLDER,
    }
    for refusal in found.refused:
        sentence = refusal.sentence()
        assert sentence.endswith(".") and refusal.path.name in sentence
        assert sentence.count(". ") == 0


def test_a_named_file_of_any_type_is_taken_when_asked(tmp_path: Path) -> None:
    odd = log(tmp_path / "export.log")
    assert find_logs([odd]).accepted == []
    assert find_logs([odd], check_named_types=False).accepted == [odd]


def test_a_folder_with_too_many_logs_says_so(tmp_path: Path) -> None:
    for i in range(5):
        log(tmp_path / "many" / f"{i}.csv")
    found = find_logs([tmp_path / "many"], folder_limit=3)
    assert [p.name for p in found.accepted] == ["0.csv", "1.csv", "2.csv"]
    assert [(r.why, r.detail) for r in found.refused] == [(Refused.TOO_MANY_IN_FOLDER, "3")]
    assert len(find_logs([tmp_path / "many"], folder_limit=None).accepted) == 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_not_a_regular_file_and_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refusal = check_file(fifo)
    assert refusal is not None and refusal.why is Refused.NOT_REGULAR
    with pytest.raises(JobSubmitError, match="not a regular file"):
        validate_source(fifo)


def test_the_queue_check_is_the_same_check(tmp_path: Path) -> None:
    with pytest.raises(JobSubmitError, match="is empty"):
        validate_source(log(tmp_path / "e.csv", ""))
    with pytest.raises(JobSubmitError, match="is a folder"):
        validate_source(tmp_path)
    assert validate_source(log(tmp_path / "ok.txt")).st_size > 0
