"""Saving the results of a drop of several files into one folder, asked once.

A drop or pick that brings several files is a *batch*. With "ask where to save each result"
on, the batch's first result asks once for a folder (a single file keeps its Save dialog,
see save_result.py); every result of the batch is then copied there as soon as it is ready,
each under a free name (:func:`save_new` never writes over a file that is there), and once
the whole batch has ended a notice lists what was saved where. Cancelling the question
leaves the results in the list to be saved later (several at once: select them and use
Save result…, which asks for a folder the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from moodlelogsmart_gui.jobs.results import describe_os_error, result_file_name, save_new

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.background import BackgroundRunner
    from moodlelogsmart_gui.jobs.queue import JobQueue

SHOWN_NAMES = 8
"""Saved files named in the notice; the rest are counted."""


@dataclass(eq=False)
class Batch:
    """The jobs of one drop (or of one Save of several selected results)."""

    files: int
    jobs: list[str] = field(default_factory=list)
    all_queued: bool = False
    ended: set[str] = field(default_factory=set)
    question_waiting: bool = False
    asked: bool = False
    folder: Path | None = None
    copying: set[str] = field(default_factory=set)
    saved: list[Path] = field(default_factory=list)
    not_saved: list[tuple[str, str]] = field(default_factory=list)
    reported: bool = False

    @property
    def over(self) -> bool:
        """Every job ended and every copy of a result done."""
        return self.all_queued and len(self.ended) >= len(self.jobs) and not self.copying


class BatchSaves(QObject):
    """Which job belongs to which batch, and the copies into a batch's folder."""

    saved = Signal(str, str)  # job id, destination (one result of a batch)
    status = Signal(str)  # a line for the status bar
    report = Signal(str)  # the notice once a batch's results are saved

    def __init__(
        self,
        queue: JobQueue,
        runner: BackgroundRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._queue = queue
        self._runner = runner
        self._filling: dict[int, Batch] = {}  # drops still being queued
        self._of: dict[str, Batch] = {}
        queue.job_finished.connect(self.job_ended)
        queue.job_removed.connect(self._on_removed)

    # -- batches ---------------------------------------------------------------------------
    def add(self, drop: int, files: int, job_ids: list[str], last: bool) -> None:
        """Jobs of drop number ``drop`` (``files`` accepted) were queued; see FileIntake."""
        if files < 2:
            return
        batch = self._filling.setdefault(drop, Batch(files))
        batch.jobs.extend(job_ids)
        for job_id in job_ids:
            self._of[job_id] = batch
        if last:
            batch.all_queued = True
            del self._filling[drop]
            self._check(batch)

    def batch_of(self, job_id: str) -> Batch | None:
        return self._of.get(job_id)

    def job_ended(self, job_id: str) -> None:
        batch = self._of.get(job_id)
        if batch is None or job_id in batch.ended:
            return
        batch.ended.add(job_id)
        if batch.folder is not None:
            self._copy(batch, job_id)
        self._check(batch)

    def _on_removed(self, job_id: str) -> None:
        """Removed from the history: nothing more will come of it."""
        self.job_ended(job_id)
        self._of.pop(job_id, None)

    def answer(self, batch: Batch, folder: Path | None) -> None:
        """The folder question was answered (None: cancelled)."""
        batch.asked, batch.question_waiting, batch.folder = True, False, folder
        if folder is None:
            self.status.emit(
                self.tr(
                    "The results stay in the list: select them and use Save result… to save "
                    "them in a folder."
                )
            )
        else:
            for job_id in [job_id for job_id in batch.jobs if job_id in batch.ended]:
                self._copy(batch, job_id)
        self._check(batch)

    def save_all(self, job_ids: list[str], folder: Path) -> None:
        """Several selected results into ``folder`` (asked for already)."""
        batch = Batch(len(job_ids), list(job_ids), True, set(job_ids), asked=True, folder=folder)
        for job_id in job_ids:
            self._copy(batch, job_id)
        self._check(batch)

    # -- copies ----------------------------------------------------------------------------
    def _copy(self, batch: Batch, job_id: str) -> None:
        job = self._queue.job(job_id)
        folder = batch.folder
        if job is None or folder is None or not job.result_available or not job.result_path:
            return
        if job_id in batch.copying:
            return
        batch.copying.add(job_id)
        src, name = Path(job.result_path), result_file_name(job.input_name, job.finished_at or 0)
        input_name = job.input_name

        def done(result: Any, error: BaseException | None) -> None:
            batch.copying.discard(job_id)
            if error is None and isinstance(result, Path):
                batch.saved.append(result)
                self.saved.emit(job_id, str(result))
            else:
                sentence = describe_os_error(error) if isinstance(error, OSError) else str(error)
                batch.not_saved.append((input_name, sentence))
            self._check(batch)

        self._runner.run(lambda: save_new(src, folder, name), done)

    def _check(self, batch: Batch) -> None:
        """Once a batch with a folder is over, its notice goes out (once)."""
        if not batch.over or batch.folder is None or batch.reported:
            return
        batch.reported = True
        if batch.saved or batch.not_saved:
            self.report.emit(self._report_text(batch))

    def _report_text(self, batch: Batch) -> str:
        lines: list[str] = []
        if batch.saved:
            lines.append(
                self.tr("Saved %n result(s) in %1:", "", len(batch.saved)).replace(
                    "%1", str(batch.folder)
                )
            )
            names = sorted(path.name for path in batch.saved)
            lines += [f"• {name}" for name in names[:SHOWN_NAMES]]
            if len(names) > SHOWN_NAMES:
                more = str(len(names) - SHOWN_NAMES)
                lines.append(self.tr("… and %1 more.").replace("%1", more))
        if batch.not_saved:
            lines.append(self.tr("Not saved (%1):").replace("%1", str(len(batch.not_saved))))
            shown = batch.not_saved[:SHOWN_NAMES]
            lines += [f"• {name}: {sentence}" for name, sentence in shown]
            if len(batch.not_saved) > SHOWN_NAMES:
                more = str(len(batch.not_saved) - SHOWN_NAMES)
                lines.append(self.tr("… and %1 more.").replace("%1", more))
        return "\n".join(lines)
