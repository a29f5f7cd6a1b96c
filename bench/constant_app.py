"""The floor for page throughput: the same stack (Litestar on Granian) answering constant bytes.

The body is a real getAllContacts page captured by the benchmark (``DIALIST_BENCH_BODY``).
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, Response, get

BODY = Path(os.environ["DIALIST_BENCH_BODY"]).read_bytes()


@get("/{path:path}", sync_to_thread=False)
def constant(path: str) -> Response[bytes]:
    return Response(content=BODY, media_type="application/json")


app = Litestar([constant])
