"""Retries in the history: the attempt counts on from the first run's highest one still
kept, and ``moodlelogsmart jobs`` names the attempt and the first run."""

from __future__ import annotations

from moodlelogsmart_gui.cli.printing import history_record
from moodlelogsmart_gui.jobs.attempts import retry_fields
from moodlelogsmart_gui.jobs.store import JobState
from moodlelogsmart_gui.terminal import listing
from tests.fixtures.jobs import job_row


def test_a_retry_names_the_first_run_and_counts_on() -> None:
    first = job_row(state=JobState.COMPLETED)
    assert retry_fields(first, [first]) == (first.id, 2)
    second = job_row(state=JobState.FAILED, retry_of=first.id, attempt=2)
    assert retry_fields(second, [first, second]) == (first.id, 3)
    assert retry_fields(first, [first, second]) == (first.id, 3)  # the first, once more
    third = job_row(state=JobState.COMPLETED, retry_of=first.id, attempt=3)
    assert retry_fields(second, [second, third]) == (first.id, 4)  # first run removed
    assert retry_fields(third, [third]) == (first.id, 4)
    other = job_row(state=JobState.COMPLETED, input_name="other.csv")
    assert retry_fields(other, [first, second, third, other]) == (other.id, 2)


def test_the_listing_says_which_row_is_the_retry() -> None:
    first = job_row(state=JobState.COMPLETED, input_name="week 1.csv")
    again = job_row(state=JobState.COMPLETED, input_name="week 1.csv", retry_of=first.id,
                    attempt=2)  # fmt: skip
    assert listing.job_lines(first, "aaaaaaaa")[0].endswith("week 1.csv")
    line = listing.job_lines(again, "bbbbbbbb", 80, "aaaaaaaa")[0]
    assert line.endswith("week 1.csv (attempt 2, retry of aaaaaaaa)"), line
    unknown = listing.job_lines(again, "bbbbbbbb")[0]  # the first run no longer listed
    assert unknown.endswith(f"(attempt 2, retry of {first.id[:8]})")
    assert history_record(again)["retry_of"] == first.id
    assert history_record(again)["attempt"] == 2
    assert history_record(first)["retry_of"] is None and history_record(first)["attempt"] == 1
