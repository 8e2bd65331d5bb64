"""Live progress of a ``process`` run on a terminal: one line per running job, one for the queue.

Qt-free: the command line feeds it what the job queue reports (``show`` and ``done``) and
calls ``tick`` from its own timer; rich redraws the lines in place, and only when the text
shown has changed. Lines printed meanwhile (a job's result) appear above the live lines.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from moodlelogsmart_gui.jobs.state import JobState

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.store import Job

MIN_REDRAW_SECONDS = 0.2
"""At most five redraws a second: enough to look live, cheap over a slow SSH link."""
NAME_MIN, NAME_MAX = 8, 30
BAR_MIN, BAR_MAX = 6, 16


@dataclasses.dataclass(frozen=True)
class JobLine:
    """What the live display knows about one job of the run."""

    name: str
    running: bool
    stage: str = ""
    percent: int = 0
    started_at: float | None = None
    """Epoch seconds, as in the history."""
    events: int | None = None
    """Log events read so far, once the worker has said (older workers never do)."""

    @classmethod
    def from_job(cls, job: Job, events: int | None = None) -> JobLine:
        running = job.state is JobState.RUNNING
        return cls(
            name=job.input_name,
            running=running,
            stage=(job.stage or "starting") if running else "",
            percent=job.percent if running else 0,
            started_at=job.started_at,
            events=events,
        )


def elapsed_text(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate_text(events: int | None, seconds: float) -> str:
    """Events per second once the count is known and some time has passed, else empty."""
    if events is None or seconds < 0.5:
        return ""
    return f"{events / seconds:,.0f} events/s"


def queue_text(done: int, failed: int, running: int, queued: int) -> str:
    """``3 done, 1 running, 12 queued`` (``3 done (1 failed), ...`` when some failed)."""
    finished = f"{done} done" + (f" ({failed} not completed)" if failed else "")
    return f"{finished}, {running} running, {queued} queued"


class LiveProgress:
    """The lines of a ``process`` run being redrawn in place on ``console``."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.time) -> None:
        self._console = console
        self._clock = clock
        self._lines: dict[str, JobLine] = {}
        self._done = 0
        self._failed = 0
        self._live: Live | None = None
        self._shown: tuple[str, ...] = ()
        self._last_redraw = float("-inf")
        self.redraws = 0

    # -- what the run reports ----------------------------------------------------------------

    def show(self, job_id: str, line: JobLine) -> None:
        """A job of this run was queued or moved on."""
        self._lines[job_id] = line

    def done(self, job_id: str, *, completed: bool) -> None:
        """A job of this run ended (or could not even be queued: any new id)."""
        self._lines.pop(job_id, None)
        self._done += 1
        self._failed += 0 if completed else 1

    # -- drawing -----------------------------------------------------------------------------

    def start(self) -> None:
        """Take over the bottom of the terminal; print() output goes above the live lines."""
        self._live = Live(
            console=self._console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=True,
            redirect_stderr=sys.stderr.isatty(),  # `2>errors.log` keeps its sentences
        )
        self._live.start()
        self.tick(force=True)

    def stop(self) -> None:
        """Remove the live lines and give the terminal back (cursor shown again)."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def tick(self, *, force: bool = False) -> None:
        """Redraw if what is shown has changed, at most every MIN_REDRAW_SECONDS."""
        if self._live is None:
            return
        now = self._clock()
        rows = self.rows(now)
        if rows == self._shown and not force:
            return
        if not force and now - self._last_redraw < MIN_REDRAW_SECONDS:
            return
        self._shown = rows
        self._last_redraw = now
        self._live.update(self.render(now), refresh=True)
        self.redraws += 1

    def rows(self, now: float) -> tuple[str, ...]:
        """The text of every line, for deciding whether a redraw is needed (and for tests)."""
        running, queued = self._counts()
        out = [queue_text(self._done, self._failed, running, queued)]
        for line in self._running():
            seconds = now - line.started_at if line.started_at is not None else 0.0
            out.append(
                f"{line.name}|{line.stage}|{line.percent}%|"
                f"{rate_text(line.events, seconds)}|{elapsed_text(seconds)}"
            )
        return tuple(out)

    def render(self, now: float) -> RenderableType:
        """The running jobs' lines and the queue line, fitted to the terminal's width: the
        bar narrows, then goes, then the file name is cut; the figures stay whole."""
        rows = []
        for line in self._running():
            seconds = now - line.started_at if line.started_at is not None else 0.0
            figures = (f"{line.percent}%", rate_text(line.events, seconds), elapsed_text(seconds))
            rows.append((line, figures))
        running, queued = self._counts()
        summary = Text(queue_text(self._done, self._failed, running, queued), style="bold")
        if not rows:
            return summary
        widths = [max(len(fig[i]) for _, fig in rows) for i in range(3)]
        stage_width = max(9, *(len(line.stage) for line, _ in rows))
        fixed = stage_width + sum(widths) + 4  # one space between columns
        name_width = min(NAME_MAX, max(len(line.name) for line, _ in rows))
        name_width = max(NAME_MIN, min(name_width, self._console.width - fixed - BAR_MIN - 2))
        bar_width = min(BAR_MAX, self._console.width - fixed - name_width - 2)
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True, overflow="ellipsis", width=name_width)
        table.add_column(no_wrap=True, width=stage_width)
        if bar_width >= BAR_MIN:
            table.add_column(width=bar_width)
        for width in widths:
            table.add_column(justify="right", no_wrap=True, width=width)
        for line, figures in rows:
            cells: list[RenderableType] = [Text(line.name), Text(line.stage, style="cyan")]
            if bar_width >= BAR_MIN:
                cells.append(ProgressBar(total=100, completed=line.percent, width=bar_width))
            table.add_row(*cells, *figures)
        return Group(table, summary)

    def _running(self) -> list[JobLine]:
        return [line for line in self._lines.values() if line.running]

    def _counts(self) -> tuple[int, int]:
        running = len(self._running())
        return running, len(self._lines) - running
