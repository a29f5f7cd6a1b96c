"""``python -m dialist.ops.serving DIR OWNED granian-args…``: Granian's command, then cleanup.

``dialist serve`` hands its process over to this (``exec``): it runs Granian's own command in
place and, when Granian has stopped, removes the metrics folder that ``serve`` made for this
server (``OWNED`` = 1). It imports only Granian, so the supervisor stays small.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

_PREFIX = "dialist-metrics-"


def metrics_dir(given: str | None) -> tuple[str, bool]:
    """The folder where a server's processes keep their metrics (prometheus-client's
    multiprocess mode): ``given``, emptied of old counts, or a new one of this server's
    (``True``: removed when it stops). New folders are named after the server's pid, which
    ``exec`` keeps: those of servers no longer running (killed) are removed here."""
    if given:
        os.makedirs(given, exist_ok=True)
        for old in Path(given).glob("*.db"):
            old.unlink(missing_ok=True)
        return given, False
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
        pid = folder.name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"), True


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def main(argv: list[str]) -> None:
    metrics_dir, owned, granian_args = argv[0], argv[1] == "1", argv[2:]
    from granian.cli import entrypoint

    sys.argv = ["granian", *granian_args]
    try:
        entrypoint()  # type: ignore[no-untyped-call]
    finally:
        if owned:
            shutil.rmtree(metrics_dir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
