"""The metrics folder of ``dialist serve``: made per server, emptied when given, and the folders
of servers that were killed removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dialist.ops import serving


def test_a_new_folder_and_the_dead_servers_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = tmp_path / f"dialist-metrics-{ended.stdout.strip()}-abc"
    alive = tmp_path / f"dialist-metrics-{os.getppid()}-def"
    other = tmp_path / "dialist-metrics-not-a-pid"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "counter_1.db").write_bytes(b"x")
    made, owned = serving.metrics_dir(None)
    assert owned and Path(made).parent == tmp_path
    assert Path(made).name.startswith(f"dialist-metrics-{os.getpid()}-")
    assert not dead.exists() and alive.exists() and other.exists()


def test_a_given_folder_is_emptied_of_counts(tmp_path: Path) -> None:
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_12.db").write_bytes(b"x")
    (given / "notes.txt").write_text("kept")
    assert serving.metrics_dir(str(given)) == (str(given), False)
    assert sorted(p.name for p in given.iterdir()) == ["notes.txt"]
    fresh = tmp_path / "new"
    assert serving.metrics_dir(str(fresh)) == (str(fresh), False) and fresh.is_dir()
