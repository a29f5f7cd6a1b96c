"""The progress of an import job, readable in a terminal of 60 columns or more.

Two lines: the state, a bar that takes what width is left, rows read of the total and the
time; below, the counts. On one line, Rich shares a narrow terminal among all the columns and
cuts each (``running ━╺━ 20… 0…`` at 80 columns); here the bar gives way first and the counts
line picks the longest wording that fits.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column
from rich.text import Text

from dialist.client import ImportJob


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


class RowsColumn(ProgressColumn):
    """``420,000/1,000,000`` (``420,000/?`` until the file has been counted)."""

    def render(self, task: Task) -> Text:
        total = None if task.total is None else int(task.total)
        return Text(f"{_count(int(task.completed))}/{_count(total)}", style="progress.download")


class Counts:
    """The job's counts in the longest wording that fits the width it is given."""

    def __init__(self, job: ImportJob | None) -> None:
        self.job = job

    def wordings(self) -> list[str]:
        if self.job is None:
            return [""]
        counts = self.job["counts"]
        rate = self.job.get("rowsPerSecond") or 0.0
        added, duplicate = _count(counts["added"]), _count(counts["duplicate"])
        invalid = _count(counts["invalid"])
        return [
            f"{added} added · {duplicate} duplicate · {invalid} invalid · {rate:,.0f} rows/s",
            f"{added} added · {duplicate} dup · {invalid} invalid · {rate:,.0f}/s",
            f"+{added} ={duplicate} !{invalid}",
        ]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - 2
        wordings = self.wordings()
        chosen = next((w for w in wordings if len(w) <= room), wordings[-1])
        yield Text("  " + chosen, no_wrap=True, overflow="ellipsis", style="dim")


class JobProgress(Progress):
    """Rich's progress display with the job's counts on a line of their own."""

    def __init__(self, console: Console) -> None:
        self.counts = Counts(None)  # read by the first render, inside Progress's __init__
        super().__init__(
            SpinnerColumn(table_column=Column(no_wrap=True)),
            # "succeeded" is the longest status: the column never changes width.
            TextColumn("{task.description}", table_column=Column(no_wrap=True, width=9)),
            BarColumn(bar_width=None, table_column=Column(ratio=1)),
            RowsColumn(table_column=Column(no_wrap=True, justify="right")),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            console=console,
            expand=True,
        )

    def show(self, task_id: TaskID, job: ImportJob) -> None:
        """The job as it is now."""
        counts = job["counts"]
        self.counts = Counts(job)
        self.update(
            task_id,
            total=counts["total"],
            completed=counts["read"],
            description=job["status"],
        )

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        yield self.counts
