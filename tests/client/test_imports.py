"""Imports through the SDK against a live server: streamed upload, following, paging, errors."""

from __future__ import annotations

import io
import math
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dialist.client import (
    FINISHED_STATUSES,
    Client,
    Conflict,
    ImportJob,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from dialist.client.imports import CHUNK_BYTES
from tests.client.conftest import CountingTransport, client_for
from tests.conftest import Server, Tenant, make_tenant


def _small_csv(rows: int, bad: set[int], duplicates: set[int]) -> bytes:
    """``rows`` data rows; rows in ``bad`` have a phone that is too short, rows in
    ``duplicates`` repeat the first row's number (rows count from 1)."""
    lines = ["Phone,First Name,Customer No"]
    for n in range(1, rows + 1):
        phone = "12" if n in bad else f"+1415555{1000 + (1 if n in duplicates else n):04d}"
        lines.append(f"{phone},Name {n},CUST-{n}")
    return ("\n".join(lines) + "\n").encode()


def _finished(sdk: Client, job: ImportJob) -> ImportJob:
    done = sdk.wait_import(job["contactListId"], job["_id"], poll=0.05)
    assert done["status"] in FINISHED_STATUSES
    return done


def test_streamed_upload_of_a_5_mb_file(tenant: Tenant, sdk: Client, tmp_path: Path) -> None:
    rows = 60_000
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("phoneNumber,firstName,notes\n")
        for n in range(rows):
            out.write(f"+1415{2000000 + n:07d},Person {n},{'x' * 60} {n}\n")
    size = path.stat().st_size
    assert size > 5_000_000
    created = tenant.create_list()
    chunks: list[int] = []
    tracemalloc.start()
    try:
        job = sdk.start_import(created["_id"], path, on_bytes=chunks.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size / 2, f"upload held {peak:,} bytes of a {size:,}-byte file"
    assert sum(chunks) == size and max(chunks) <= CHUNK_BYTES and len(chunks) >= 5
    assert job["status"] in ("queued", "running") and job["bytes"] == size
    assert job["fileName"] == "big.csv" and job["contactListId"] == created["_id"]
    seen: list[ImportJob] = []
    done = sdk.wait_import(created["_id"], job["_id"], on_progress=seen.append, poll=0.1)
    assert done["status"] == "succeeded", done
    assert seen[-1] == done
    counts = done["counts"]
    assert counts["total"] == counts["read"] == rows
    assert counts["added"] + counts["duplicate"] + counts["invalid"] == rows
    assert sdk.get_list(created["_id"])["totalRecordCount"] == counts["added"]


def test_results_are_paged_until_the_end(tenant: Tenant, tmp_path: Path) -> None:
    created = tenant.create_list()
    path = tmp_path / "small.csv"
    path.write_bytes(_small_csv(25, bad={4, 9, 20}, duplicates={7, 11}))
    transport = CountingTransport()
    with client_for(tenant, transport) as sdk:
        job = sdk.start_import(created["_id"], path, mapping={"uniqueId": "Customer No"})
        job = _finished(sdk, job)
        assert job["status"] == "succeeded"
        assert job["counts"] == {
            "total": 25, "read": 25, "added": 20, "duplicate": 2, "invalid": 3,
        }  # fmt: skip
        transport.requests.clear()
        results = list(sdk.import_results(created["_id"], job["_id"], page_size=4))
        pages = [u for u in transport.requests if u.path.endswith("/results")]
        assert [r["row"] for r in results] == list(range(1, 26))
        assert len(pages) == math.ceil(25 / 4)
        assert [u.params["skip"] for u in pages] == [str(s) for s in range(0, 25, 4)]
        invalid = list(sdk.import_results(created["_id"], job["_id"], status="invalid"))
        assert [r["row"] for r in invalid] == [4, 9, 20]
        assert invalid[0]["code"] == "INVALID_PHONE_NUMBER" and invalid[0]["line"] == 5
        assert invalid[0]["uniqueId"] == "CUST-4"
        duplicate = list(sdk.import_results(created["_id"], job["_id"], status="duplicate"))
        assert [(r["row"], r["duplicateOfRow"]) for r in duplicate] == [(7, 1), (11, 1)]
        added = [r for r in results if r["status"] == "added"]
        assert all(r["contactId"] and r["contactId"].startswith("cc-") for r in added)
        assert list(sdk.import_results(created["_id"], job["_id"], status="duplicate")) == duplicate


def test_a_file_object_without_a_size_is_sent_chunked(tenant: Tenant, sdk: Client) -> None:
    class Pipe(io.RawIOBase):
        """A readable, unseekable stream (a pipe, a socket)."""

        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    created = tenant.create_list()
    body = b'{"phoneNumber":"+14155552671","firstName":"Ada"}\n{"phoneNumber":"+14155552672"}\n'
    job = sdk.start_import(
        created["_id"], io.BufferedReader(Pipe(body)), format="ndjson", file_name="pipe.ndjson"
    )
    assert job["format"] == "ndjson" and job["fileName"] == "pipe.ndjson"
    assert job["bytes"] == len(body)
    assert _finished(sdk, job)["counts"]["added"] == 2


def test_dry_run_writes_nothing_and_options_are_sent(tenant: Tenant, sdk: Client) -> None:
    created = tenant.create_list()
    data = b"Mobile;Name;Ref\n4155552671;Ada;A-1\n4155552671;Ada again;A-2\n"
    job = sdk.start_import(
        created["_id"],
        io.BytesIO(data),
        dry_run=True,
        dedupe="uniqueId",
        mapping={"phoneNumber": "Mobile", "uniqueId": "Ref"},
        delimiter=";",
        encoding="utf-8",
        default_region="US",
        invalid_phones="flag",
        file_name="may.csv",
    )
    assert job["dryRun"] is True and job["dedupe"] == "uniqueId"
    assert job["delimiter"] == ";" and job["invalidPhones"] == "flag"
    assert job["mapping"]["phoneNumber"] == "Mobile" and job["mapping"]["uniqueId"] == "Ref"
    done = _finished(sdk, job)
    assert done["status"] == "succeeded" and done["counts"]["added"] == 2  # different uniqueIds
    assert sdk.get_list(created["_id"])["totalRecordCount"] == 0
    assert [j["_id"] for j in sdk.list_imports(created["_id"])] == [job["_id"]]


def test_cancel_and_undo(tenant: Tenant, sdk: Client) -> None:
    created = tenant.create_list()
    job = _finished(sdk, sdk.start_import(created["_id"], io.BytesIO(_small_csv(5, set(), set()))))
    assert job["counts"]["added"] == 5
    with pytest.raises(Conflict) as caught:
        sdk.cancel_import(created["_id"], job["_id"])
    assert caught.value.code == "JOB_FINISHED"
    undone = sdk.undo_import(created["_id"], job["_id"])
    assert undone["undo"] is not None and undone["undo"]["removed"] == 5
    assert sdk.get_list(created["_id"])["totalRecordCount"] == 0
    with pytest.raises(Conflict) as caught:
        sdk.undo_import(created["_id"], job["_id"])
    assert caught.value.code == "JOB_NOT_UNDOABLE"
    with pytest.raises(NotFound):
        sdk.get_import(created["_id"], "ij-00000000-0000-0000-0000-000000000000")


def test_bad_parameters_and_a_whole_file_failure(tenant: Tenant, sdk: Client) -> None:
    created = tenant.create_list()
    with pytest.raises(ValidationFailed) as caught:
        sdk.start_import(created["_id"], io.BytesIO(b"phone\n1\n"), dedupe="email")
    assert caught.value.errors[0]["field"] == "dedupe"
    failed = _finished(sdk, sdk.start_import(created["_id"], io.BytesIO(b"name,plan\nAda,x\n")))
    assert failed["status"] == "failed"
    assert failed["error"] is not None and failed["error"]["code"] == "NO_PHONE_COLUMN"


def test_an_upload_over_the_limit_is_payload_too_large(
    server_factory: Callable[..., Server],
) -> None:
    small = server_factory({"DIALIST_MAX_IMPORT_BYTES": "4096"})
    tenant = make_tenant(small)
    created = tenant.create_list()
    with client_for(tenant) as sdk:
        with pytest.raises(PayloadTooLarge) as caught:
            sdk.start_import(created["_id"], io.BytesIO(_small_csv(2_000, set(), set())))
        assert caught.value.status_code == 413 and caught.value.code == "PAYLOAD_TOO_LARGE"
        assert sdk.list_imports(created["_id"]) == []
