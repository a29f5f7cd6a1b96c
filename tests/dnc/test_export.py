"""``GET dncList/{id}/export?format=csv|ndjson`` over real HTTP: every entry streamed, formula
cells neutralised, and the CSV imports back as it is."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import Tenant
from tests.dnc.test_dnc import _add, _base, _create, _entries, _error
from tests.dnc.test_imports import run_import


def _export(tenant: Tenant, list_id: str, **params: str) -> tuple[str, str, str]:
    path = f"{_base(tenant)}/dncList/{list_id}/export"
    response = tenant.request("GET", path, params=params)
    assert response.status_code == 200, response.text
    return response.headers["content-type"], response.headers["content-disposition"], response.text


def test_csv_and_ndjson_hold_every_entry(tenant: Tenant, other_tenant: Tenant) -> None:
    dnc = _create(tenant, "Export me")
    numbers = [{"phoneNumber": f"+1415{3000000 + i:07d}"} for i in range(4500)]  # 3 batches
    _add(tenant, dnc["_id"], numbers)
    _add(tenant, dnc["_id"], [
        {"prefix": "+4420", "reason": "=HYPERLINK(\"http://x\")", "source": "registry"},
        {"phoneNumber": "+14155550150", "reason": "-2+3", "expiresAt": "2099-01-01T00:00:00Z"},
    ])  # fmt: skip
    entries = _entries(tenant, dnc["_id"])

    media, disposition, text = _export(tenant, dnc["_id"])
    assert media.startswith("text/csv") and 'filename="Export_me.csv"' in disposition
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "_id", "phoneNumber", "prefix", "expiresAt", "reason", "source", "createdAt", "updatedAt",
    ]  # fmt: skip
    assert [r["_id"] for r in rows] == [e["_id"] for e in entries]
    assert rows[0]["phoneNumber"] == "+14153000000" and rows[0]["prefix"] == ""
    assert rows[-2]["prefix"] == "+4420" and rows[-2]["phoneNumber"] == ""
    assert rows[-2]["reason"] == '\'=HYPERLINK("http://x")' and rows[-1]["reason"] == "'-2+3"
    assert rows[-1]["expiresAt"] == "2099-01-01T00:00:00.000Z" and rows[-1]["source"] == "api"

    media, _, text = _export(tenant, dnc["_id"], format="ndjson")
    assert media.startswith("application/x-ndjson")
    assert [json.loads(line) for line in text.splitlines()] == entries  # as GET …/entries shows

    # The CSV imports back as it is.
    copy = _create(tenant, "Copy")
    job = run_import(tenant, copy["_id"], text_of_csv(tenant, dnc["_id"]).encode())
    assert job["counts"]["added"] == len(entries) and job["counts"]["invalid"] == 0, job
    copied = _entries(tenant, copy["_id"])
    fields = ("phoneNumber", "prefix", "expiresAt", "reason")
    expected = [[e.get(f) for f in fields] for e in entries]
    # A neutralised cell comes back as a spreadsheet shows it: with its quote.
    expected[-2][3], expected[-1][3] = '\'=HYPERLINK("http://x")', "'-2+3"
    assert [[c.get(f) for f in fields] for c in copied] == expected


def text_of_csv(tenant: Tenant, list_id: str) -> str:
    return _export(tenant, list_id)[2]


def test_empty_list_and_bad_requests(tenant: Tenant, other_tenant: Tenant) -> None:
    dnc = _create(tenant, "Empty")
    assert text_of_csv(tenant, dnc["_id"]).splitlines() == [
        "_id,phoneNumber,prefix,expiresAt,reason,source,createdAt,updatedAt"
    ]
    assert _export(tenant, dnc["_id"], format="ndjson")[2] == ""
    path = f"{_base(tenant)}/dncList/{dnc['_id']}/export"
    _error(tenant.request("GET", path, params={"format": "xlsx"}), 400, "format")
    _error(tenant.request("GET", f"{_base(tenant)}/dncList/dn-nope/export"), 404, "dncListId")
    foreign = path.replace(tenant.stream_id, other_tenant.stream_id)
    _error(other_tenant.request("GET", foreign), 404, "dncListId")
