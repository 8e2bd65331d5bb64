"""The details pane: what was detected in the selected job, its counts, charts and warnings."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from moodlelogsmart_gui.gui import formatting as fmt
from moodlelogsmart_gui.gui.bloom_chart import BarChart, bloom_bars, top_bars
from moodlelogsmart_gui.gui.detected_words import detected_rows
from moodlelogsmart_gui.gui.process_map_view import ProcessMapView
from moodlelogsmart_gui.gui.warning_texts import summary_warnings
from moodlelogsmart_gui.jobs.state import JobState

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.store import Job

DROP_REASONS = {
    "unreadable_date": "date could not be read",
    "logged_in_as": "'logged in as' events",
    "staff_activity": "teachers' and staff activity",
    "non_web_origin": "not from the web (cli, restore…)",
    "no_user": "no user",
}


class DetailsPane(QScrollArea):
    """Shows one job; rebuilt when the selection or the job changes (cheap: a few labels)."""

    save_requested = Signal(str)
    show_log_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # texts wrap
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._clock = clock
        self._job: Job | None = None
        self._status: QLabel | None = None
        self.bloom_chart = BarChart()
        self.activity_chart = BarChart()
        self.category_chart = BarChart()
        self._body = QWidget()
        self.setWidget(self._body)
        self.show_job(None)

    def job_id(self) -> str | None:
        return self._job.id if self._job else None

    def show_job(self, job: Job | None) -> None:
        """Show ``job`` (None: a hint to select one); a progress tick only updates one line."""
        previous = self._job
        if (
            job is not None
            and previous is not None
            and job.id == previous.id
            and (job.state, job.expired, job.message) == (previous.state, previous.expired,
                                                          previous.message)
            and job.summary == previous.summary
            and self._status is not None
        ):  # fmt: skip
            self._job = job
            self._status.setText(self._status_line(job))
            return
        self._job = job
        self._status = None
        old = self.takeWidget()
        if old is not None:
            for chart in (self.bloom_chart, self.activity_chart, self.category_chart):
                chart.setParent(None)
            old.deleteLater()
        body = QWidget()
        body.setObjectName("detailsBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(5)
        if job is None:
            hint = QLabel(self.tr("Select a job to see what was found in its file."))
            hint.setWordWrap(True)
            hint.setEnabled(False)
            layout.addWidget(hint)
        else:
            self._build(job, layout)
        layout.addStretch(1)
        self._body = body
        self.setWidget(body)

    # -- sections --------------------------------------------------------------------------
    def _build(self, job: Job, layout: QVBoxLayout) -> None:
        title = QLabel(fmt.breakable(job.input_name))
        title.setObjectName("detailsTitle")
        title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        title.setWordWrap(True)
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(title)
        if fmt.attempt_text(job.attempt, job.retry_of):
            when = self.tr("started %1") if job.started_at else self.tr("added %1")
            when = when.replace("%1", fmt.seconds_text(job.started_at or job.queued_at))
            retry = QLabel(self.tr("Attempt %1 of this file (a retry) · ").replace(
                "%1", str(job.attempt)) + when)  # fmt: skip
            retry.setObjectName("detailsAttempt")
            layout.addWidget(retry)
        status = QLabel(self._status_line(job))
        status.setObjectName("detailsStatus")
        status.setWordWrap(True)
        layout.addWidget(status)
        self._status = status
        if job.state.has_failed and job.message:
            layout.addWidget(self._failure_box(job))
        elif job.expired:
            note = QLabel(
                self.tr(
                    "The result was deleted after the time set in Settings; "
                    "run the file again to get it back."
                )
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(self._buttons(job))
        summary: dict[str, Any] = job.summary or {}
        if summary:
            self._add_summary(summary, layout)
        elif job.state.has_result:
            layout.addWidget(QLabel(self.tr("No summary was recorded for this job.")))

    def _status_line(self, job: Job) -> str:
        state = job.state
        now = self._clock()
        if state is JobState.RUNNING:
            return f"{fmt.stage_text(job.stage)} {int(job.percent)}%"
        if state is JobState.QUEUED:
            return self.tr("Waiting for a free slot.")
        text = fmt.state_text(state)
        if job.started_at and job.finished_at:
            took = fmt.duration_text(job.finished_at - job.started_at)
            text = self.tr("%1 in %2").replace("%1", text).replace("%2", took)
        if job.expired:
            text += " · " + (
                self.tr("result deleted") if state.has_result else self.tr("log deleted")
            )
        elif job.expires_at and state.has_result:
            text += " · " + self.tr("result kept until %1").replace(
                "%1", fmt.clock_text(job.expires_at, now)
            )
        elif job.expires_at and state in ("failed", "cancelled"):
            text += " · " + self.tr("no result; its log is kept until %1").replace(
                "%1", fmt.clock_text(job.expires_at, now)
            )
        return text

    def _failure_box(self, job: Job) -> QFrame:
        box = QFrame()
        box.setObjectName("failureBox")
        box.setStyleSheet(
            "QFrame#failureBox { background: #fdecea; border: 1px solid #f5c2bd;"
            " border-radius: 6px; } QLabel { color: #8c1d18; }"
        )
        row = QVBoxLayout(box)
        reason = QLabel(fmt.breakable(job.message or ""))
        reason.setObjectName("failureReason")
        reason.setWordWrap(True)
        reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(reason)
        return box

    def _buttons(self, job: Job) -> QHBoxLayout:
        row = QHBoxLayout()
        if job.result_available:
            save = QPushButton(self.tr("Save result…"))
            save.setObjectName("detailsSave")
            save.clicked.connect(lambda: self.save_requested.emit(job.id))
            row.addWidget(save)
        if job.state.has_log:
            log = QPushButton(self.tr("Show log"))
            log.setObjectName("detailsShowLog")
            log.clicked.connect(lambda: self.show_log_requested.emit(job.id))
            row.addWidget(log)
        row.addStretch(1)
        return row

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("font-weight: 600; margin-top: 6px;")
        return label

    def _add_summary(self, summary: dict[str, Any], layout: QVBoxLayout) -> None:
        for warning in summary_warnings(summary):
            label = QLabel("⚠ " + fmt.breakable(warning))
            label.setObjectName("detailsWarning")
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addWidget(self._heading(self.tr("Events")))
        counts = QFormLayout()
        counts.setVerticalSpacing(3)
        counts.addRow(self.tr("Read"), QLabel(fmt.count_text(summary.get("rows_in"))))
        counts.addRow(self.tr("Kept"), QLabel(fmt.count_text(summary.get("rows_out"))))
        dropped: dict[str, int] = summary.get("dropped") or {}
        for reason, number in sorted(dropped.items(), key=lambda item: -int(item[1])):
            if int(number) <= 0:
                continue
            why = self.tr(DROP_REASONS.get(reason, reason.replace("_", " ")))
            counts.addRow(
                self.tr("Set aside: %1").replace("%1", why), QLabel(fmt.count_text(int(number)))
            )
        if summary.get("cases") is not None:
            counts.addRow(self.tr("Cases (people)"), QLabel(fmt.count_text(summary["cases"])))
        if summary.get("pseudonymized"):
            counts.addRow(self.tr("Names"), QLabel(self.tr("pseudonymised")))
        layout.addLayout(counts)

        layout.addWidget(self._heading(self.tr("Events per Bloom level")))
        classified = summary.get("bloom_only_events")
        if isinstance(classified, int) and isinstance(summary.get("rows_out"), int):
            note = QLabel(
                self.tr("%1 of %2 kept events were classified by a Bloom rule.")
                .replace("%1", fmt.count_text(classified))
                .replace("%2", fmt.count_text(summary["rows_out"]))
            )
            note.setObjectName("bloomCoverage")
            note.setWordWrap(True)
            layout.addWidget(note)
        self.bloom_chart.set_bars(
            bloom_bars(summary.get("events_per_bloom_level") or {}), self.tr("No events.")
        )
        layout.addWidget(self.bloom_chart)
        layout.addWidget(self._heading(self.tr("Events per activity type")))
        self.activity_chart.set_bars(
            top_bars(summary.get("events_per_activity_type") or {}, 8, self.tr("other")),
            self.tr("No events."),
        )
        layout.addWidget(self.activity_chart)
        categories = summary.get("events_per_activity_category") or {}
        if categories and categories != summary.get("events_per_activity_type"):
            layout.addWidget(self._heading(self.tr("Events per activity category")))
            self.category_chart.set_bars(top_bars(categories, 8, self.tr("other")))
            layout.addWidget(self.category_chart)
        if summary.get("directly_follows") is not None:
            layout.addWidget(self._heading(self.tr("Process map")))
            layout.addWidget(ProcessMapView(summary))

        detected: dict[str, Any] = summary.get("detected") or {}
        layout.addWidget(self._heading(self.tr("What was detected")))
        form = QFormLayout()
        form.setVerticalSpacing(3)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, words, technical in detected_rows(detected):
            shown = QLabel(fmt.breakable(words))
            shown.setWordWrap(True)
            shown.setToolTip(technical)
            form.addRow(name, shown)
        layout.addLayout(form)
