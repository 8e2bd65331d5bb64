"""XES export: standard structure, valid XML for any text, readable by pm4py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moodlelogsmart_gui.pipeline.cases import assign_cases
from moodlelogsmart_gui.pipeline.classify import classify, load_rules
from moodlelogsmart_gui.pipeline.export_xes import (
    prepare_events,
    xes_chunks,
    xml_escape,
)
from tests.unit.canonical_frames import canonical_frame, event, mixed_result_zip

NS = "{http://www.xes-standard.org/}"
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


def enriched(rows: list[dict]) -> pd.DataFrame:
    return assign_cases(classify(canonical_frame(rows), load_rules()))


def render(frame: pd.DataFrame, offset: str = "", rows: np.ndarray | None = None) -> bytes:
    events = prepare_events(frame, offset)
    if rows is None:
        stamps = frame["timestamp"].to_numpy().view(np.int64)
        order = np.argsort(stamps, kind="stable")
        codes = frame["case_id"].cat.codes.to_numpy()
        rows = order[np.argsort(codes[order], kind="stable")]
    attributes = {"concept:name": "test log"}
    return b"".join(bytes(c) for c in xes_chunks(events, rows, attributes, chunk_rows=2))


def attrs(element: ET.Element) -> dict[str, str]:
    return {
        child.get("key", ""): child.get("value", "")
        for child in element
        if child.tag != f"{NS}event"
    }


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_any_text_gives_parseable_xml_with_the_same_text(value: str) -> None:
    escaped = xml_escape(pa.array([value], type=pa.string())).to_pylist()[0]
    element = ET.fromstring(f'<a v="{escaped}"/>'.encode())
    assert element.get("v") == ILLEGAL.sub("", value)


@given(st.lists(TEXT, min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_hostile_names_and_contexts_keep_the_document_valid(values: list[str]) -> None:
    rows = [
        event(
            "forum_post",
            f"2024-01-05 09:00:{i:02d}",
            user_id=str(i % 2),
            user_name=v or "x",
            context=v,
        )
        for i, v in enumerate(values)
    ]
    frame = enriched(rows)
    root = ET.fromstring(render(frame))
    contexts = [
        e.get("value") for e in root.iter(f"{NS}string") if e.get("key") == "moodle:context"
    ]
    assert sorted(contexts) == sorted(ILLEGAL.sub("", v) for v in values if ILLEGAL.sub("", v))


def test_document_structure_and_order_of_children() -> None:
    frame = enriched(
        [
            event("forum_post", "2024-01-05 10:00:00", context="Forum: Q&A <week 1>"),
            event("course_view", "2024-01-05 09:00:00", user_id="6", user_name="Bruno Lima"),
            event("resource_view", "2024-01-05 09:30:00"),
            event("login", "2024-01-05 08:00:00"),
        ]
    )
    root = ET.fromstring(render(frame, "+00:00"))
    assert root.tag == f"{NS}log"
    assert root.get("xes.version") == "1849-2016"
    tags = [child.tag.removeprefix(NS) for child in root]
    first_trace = tags.index("trace")
    assert tags[:4] == ["extension"] * 4
    assert tags.index("global") < tags.index("classifier") < tags.index("string") < first_trace
    assert set(tags[first_trace:]) == {"trace"}
    prefixes = {e.get("prefix"): e.get("uri") for e in root.findall(f"{NS}extension")}
    assert prefixes["concept"] == "http://www.xes-standard.org/concept.xesext"
    assert prefixes["org"] == "http://www.xes-standard.org/org.xesext"
    classifiers = {c.get("name"): c.get("keys") for c in root.findall(f"{NS}classifier")}
    assert classifiers == {
        "Activity": "concept:name",
        "Moodle event": "moodle:event_name",
        "Activity category": "moodle:category",
    }
    traces = root.findall(f"{NS}trace")
    assert [attrs(t)["concept:name"] for t in traces] == ["5", "6"]
    assert attrs(traces[0])["moodle:case_label"] == "Ana Silva"
    ana = traces[0].findall(f"{NS}event")
    assert [attrs(e)["concept:name"] for e in ana] == [
        "Other activity",
        "Resource viewing",
        "Forum posting",
    ]
    assert [attrs(e)["time:timestamp"] for e in ana] == [
        "2024-01-05T08:00:00+00:00",
        "2024-01-05T09:30:00+00:00",
        "2024-01-05T10:00:00+00:00",
    ]
    post = attrs(ana[2])
    assert post["moodle:context"] == "Forum: Q&A <week 1>"
    assert post["lifecycle:transition"] == "complete"
    assert post["org:resource"] == "Ana Silva"
    assert post["bloom:level"] == "Create" and post["bloom:active"] == "true"
    assert post["moodle:category"] == "Collab_A"
    assert attrs(ana[0])["moodle:category"] == "Others"
    assert post["moodle:event_key"] == r"\mod_forum\event\post_created"
    assert post["bloom:rule_id"] == "forum_posting"
    assert "bloom:level" not in attrs(ana[0])  # the fallback has no Bloom level


def test_bloom_only_selection_closes_and_opens_traces_correctly() -> None:
    frame = enriched(
        [
            event("login", "2024-01-05 08:00:00", user_id="7", user_name="Only Logins"),
            event("course_view", "2024-01-05 09:00:00"),
            event("login", "2024-01-05 09:10:00"),
            event("quiz_start", "2024-01-05 09:20:00"),
        ]
    )
    codes = frame["case_id"].cat.codes.to_numpy()
    order = np.argsort(codes, kind="stable")
    bloom = (frame["rule_id"] != "other").to_numpy()
    root = ET.fromstring(render(frame, "", order[bloom[order]]))
    traces = root.findall(f"{NS}trace")
    assert [attrs(t)["concept:name"] for t in traces] == ["5"]
    assert len(traces[0].findall(f"{NS}event")) == 2


@pytest.mark.filterwarnings("ignore")
def test_pm4py_reads_traces_events_and_times(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    rows = [
        event(
            "course_view",
            f"2024-01-0{1 + i % 5} 09:{i % 60:02d}:00",
            user_id=str(i % 4),
            user_name=f"P{i % 4}",
        )
        for i in range(40)
    ]
    frame = enriched(rows)
    path = tmp_path / "log.xes"
    path.write_bytes(render(frame, "+00:00"))
    log = pm4py.read_xes(str(path), return_legacy_log_object=False)
    assert len(log) == 40
    assert log["case:concept:name"].nunique() == 4
    assert set(log["concept:name"]) == {"Course viewing"}
    first = log[log["case:concept:name"] == "0"]["time:timestamp"]
    assert first.is_monotonic_increasing
    assert str(first.iloc[0]).startswith("2024-01-01 09:00:00")


def test_bloom_only_xes_is_the_full_xes_without_the_unclassified_events(tmp_path: Path) -> None:
    archive = mixed_result_zip(tmp_path)
    full = ET.fromstring(archive.read("enriched_log.xes"))
    part = ET.fromstring(archive.read("enriched_log_bloom_only.xes"))

    def traces(root: ET.Element, bloom_only: bool) -> dict[str, list[dict[str, str]]]:
        found = {}
        for trace in root.iter(f"{NS}trace"):
            events = [attrs(e) for e in trace.iter(f"{NS}event")]
            if bloom_only:
                events = [e for e in events if "bloom:level" in e]
            if events:
                found[attrs(trace)["concept:name"]] = events
        return found

    assert traces(part, False) == traces(full, True)
    assert 0 < sum(map(len, traces(part, False).values())) < len(list(full.iter(f"{NS}event")))
    names = {n: attrs(r)["concept:name"] for n, r in (("full", full), ("part", part))}
    assert names == {
        "full": "MoodleLogSmart enriched log",
        "part": "MoodleLogSmart enriched log (Bloom only)",
    }
