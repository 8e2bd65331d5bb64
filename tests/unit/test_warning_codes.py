"""Each summary warning gets a stable code and its values; the window's texts match them."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from moodlelogsmart_gui.gui.warning_texts import TEXTS
from moodlelogsmart_gui.pipeline.ingest.dates import parse_times
from moodlelogsmart_gui.pipeline.ingest.tables import load_languages
from moodlelogsmart_gui.pipeline.run import KEY_WARNING, LOCAL_TIME_WARNING
from moodlelogsmart_gui.pipeline.warning_codes import TEMPLATES, code_of, warning_codes


def test_the_run_writes_its_warnings_from_the_templates() -> None:
    assert code_of(LOCAL_TIME_WARNING) == {"code": "local_time", "values": {}}
    assert code_of(KEY_WARNING) == {"code": "no_pseudonym_key", "values": {}}


@pytest.mark.parametrize(
    ("sentence", "code", "values"),
    [
        (
            "The times carry no year (Moodle 2.7/2.8 format): 2024 was assumed, "
            "from the file name.",
            "year_from_file_name",
            {"year": "2024"},
        ),
        (
            "The date order was ambiguous (no day or month above 12): day first was chosen, "
            "as in Moodle's default (%d/%m/%y, %H:%M).",
            "ambiguous_order",
            {"format": "%d/%m/%y, %H:%M"},
        ),
        (
            "The file is UTF-8 with damaged bytes: 3 invalid UTF-8 byte sequences were replaced.",
            "damaged_utf8",
            {"count": "3"},
        ),
        (
            "The text encoding was uncertain; cp1252 was used.",
            "uncertain_encoding",
            {"encoding": "cp1252"},
        ),
    ],
)
def test_a_sentence_with_values_gives_its_code_and_values(
    sentence: str, code: str, values: dict[str, str]
) -> None:
    assert code_of(sentence) == {"code": code, "values": values}


def test_an_unknown_sentence_has_no_code_and_the_list_keeps_its_order() -> None:
    coded = warning_codes(["a.csv: a note", LOCAL_TIME_WARNING])
    assert coded == [{"code": None, "values": {}}, {"code": "local_time", "values": {}}]


@pytest.mark.parametrize(
    ("values", "code", "values_of_code"),
    [
        (["5 Jan, 09:03", "28 Feb, 23:59"], "year_from_current_year", {"year": "2016"}),
        (
            ["01/02/24, 09:03", "03/04/24, 10:00"],
            "ambiguous_order",
            {"format": "%d/%m/%y, %H:%M"},
        ),
    ],
)
def test_the_date_parser_writes_sentences_that_have_a_code(
    values: list[str], code: str, values_of_code: dict[str, str]
) -> None:
    parsed = parse_times(pa.array(values, pa.string()), load_languages().months, 2016)
    assert [code_of(w) for w in parsed.warnings] == [{"code": code, "values": values_of_code}]


def test_the_window_knows_every_code_with_the_same_sentence() -> None:
    assert set(TEXTS) == set(TEMPLATES)
    for code, (source, names) in TEXTS.items():
        english = source
        for number, name in enumerate(names, start=1):
            english = english.replace(f"%{number}", "{" + name + "}")
        assert english == TEMPLATES[code]
        assert set(re.findall(r"\{(\w+)\}", TEMPLATES[code])) == set(names)
