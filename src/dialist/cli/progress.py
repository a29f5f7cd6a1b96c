"""Following a server job in a terminal: the upload's bar of bytes (:func:`upload`), the job's
progress until it ends, Ctrl-C asking the server to cancel it (:func:`follow`), shown by
:class:`JobProgress` (a contact import) or :class:`CountsProgress` (DNC imports, scrubs).

:class:`JobProgress`, readable in a terminal of 60 columns or more, has two lines: the state,
a bar that takes what width is left, rows read of the total and the time; below, the counts.
On one line, Rich shares a narrow terminal among all the columns and cuts each (``running ━╺━
20… 0…`` at 80 columns); here the bar gives way first and the counts line picks the longest
wording that fits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Column
from rich.text import Text

from dialist.client import Conflict, ImportJob

J = TypeVar("J")


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


class CountsProgress(Progress):
    """One line: spinner, status, a bar of ``counts[done]`` of ``counts["total"]``, the time
    and ``detail(job)`` (the other counts)."""

    def __init__(
        self,
        console: Console,
        job: Mapping[str, Any],
        *,
        done: str,
        detail: Callable[[Any], str],
    ) -> None:
        super().__init__(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[detail]}"),
            console=console,
        )
        self.done = done
        self.detail = detail
        self.task = self.add_task(job["status"], total=None, detail="")

    def show(self, job: Any) -> None:
        """The job as it is now."""
        counts = job["counts"]
        self.update(
            self.task,
            total=counts["total"],
            completed=counts[self.done],
            description=job["status"],
            detail=self.detail(job),
        )


def upload(console: Console, file: Path, start: Callable[[Callable[[int], None]], J]) -> J:
    """``start(on_bytes)`` uploading ``file`` under a progress bar of bytes; what it answers
    (the new job)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"upload {escape(file.name)}", total=file.stat().st_size)
        return start(lambda size: progress.advance(task, size))


def follow(
    console: Console,
    progress: Progress,
    wait: Callable[[Callable[[J], None] | None], J],
    cancel: Callable[[], object],
    *,
    show: Callable[[J], None],
    name: str,
    noun: str = "job",
    requested: str | None = None,
) -> J:
    """``wait(on_progress)`` for the job ``name`` (``import ij-…``) to end, shown on
    ``progress`` by ``show``; Ctrl-C asks the server to ``cancel`` it (saying ``requested``
    when it accepts), then waits again for its end: a second Ctrl-C exits with code 1."""

    def say(text: str) -> None:
        console.print(text, soft_wrap=True, highlight=False)

    with progress:
        try:
            return wait(show)
        except KeyboardInterrupt:
            progress.stop()
    say(f"interrupted: asking the server to cancel {name} …")
    try:
        cancel()
        if requested is not None:
            say(requested)
    except Conflict:
        say(f"the {noun} had already finished")
    try:
        return wait(None)
    except KeyboardInterrupt:
        say(f"stopped following; the server is cancelling the {noun}")
        raise typer.Exit(code=1) from None
