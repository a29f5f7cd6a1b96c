"""A number stored flagged (the default ``flag`` policy) says why, as a refused one does (issue
15, item 4): the batch add's item and the import's per-row result carry the sentence, which for
a number written without "+" names the region it was read in and how to use another."""

from __future__ import annotations

from typing import Any

from dialist.imports import runner
from tests.conftest import Tenant
from tests.imports.helpers import results, run_import

KORE_ITEM_FIELDS = {"index", "status", "_id", "duplicateOf", "phoneValid", "phoneInvalidReason"}


def _items(tenant: Tenant, list_id: str, numbers: list[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = tenant.add(list_id, [{"phoneNumber": n} for n in numbers])[
        "results"
    ]
    return items


def test_batch_add_says_why_a_flagged_number_is_not_valid(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    national, plus, valid, masked = _items(
        tenant, list_id, ["555 12", "+1 555 12", "+14155552671", "91223334xxxxx"]
    )
    assert national["status"] == "added" and national["phoneValid"] is False
    message = national["message"]
    assert message.startswith("phoneNumber '555 12' is not a valid phone number (")
    assert "read as a number of US (the default region)" in message
    assert '"+"' in message and "DIALIST_DEFAULT_REGION" in message
    # Written with "+", the region played no part: the sentence says only why.
    assert plus["phoneValid"] is False and "US" not in plus["message"]
    assert "(NOT_A_NUMBER)" in masked["message"]
    # A valid number's item is as before: Kore's fields and nothing more.
    assert set(valid) == KORE_ITEM_FIELDS and valid["phoneValid"] is True
    assert set(national) >= KORE_ITEM_FIELDS


def test_a_duplicate_of_a_flagged_number_says_why_too(tenant: Tenant) -> None:
    """The message belongs to the number (beside ``phoneValid``), whatever became of the item."""
    list_id = tenant.create_list()["_id"]
    first, again = _items(tenant, list_id, ["555 12", "555 12"])
    assert (first["status"], again["status"]) == ("added", "skipped")
    assert again["duplicateOf"] == first["_id"] and again["message"] == first["message"]


def test_import_flagged_rows_say_why_and_name_the_files_region(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    body = b"phoneNumber\n555 12\n+14155552671\n+1 555 12\n"
    job = run_import(tenant, list_id, body, invalidPhones="flag", defaultRegion="GB")
    assert job["status"] == "succeeded" and job["counts"]["added"] == 3, job
    rows = {r["row"]: r for r in results(tenant, list_id, job["_id"])["results"]}
    national = rows[1]
    assert national["status"] == "added" and national["contactId"].startswith("cc-")
    assert national["code"] == "INVALID_PHONE_NUMBER"
    assert national["message"].startswith("added, flagged: phoneNumber '555 12' is not a valid")
    assert "read as a number of GB (the default region)" in national["message"]
    assert "--default-region" in national["message"]
    assert rows[2]["code"] is None and rows[2]["message"] is None
    assert rows[3]["code"] == "INVALID_PHONE_NUMBER" and "GB" not in rows[3]["message"]


def test_import_dry_run_flags_the_same_and_reject_still_refuses(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    body = b"phoneNumber\n555 12\n"
    dry = run_import(tenant, list_id, body, invalidPhones="flag", dryRun="true")
    (row,) = results(tenant, list_id, dry["_id"])["results"]
    assert (row["status"], row["code"]) == ("added", "INVALID_PHONE_NUMBER")
    assert "read as a number of US" in row["message"]
    refused = run_import(tenant, list_id, body, invalidPhones="reject")
    (row,) = results(tenant, list_id, refused["_id"])["results"]
    assert (row["status"], row["code"]) == ("invalid", "INVALID_PHONE_NUMBER")
    assert not row["message"].startswith("added") and "read as a number of US" in row["message"]


def test_a_row_on_a_dnc_list_with_an_invalid_number_names_both() -> None:
    assert runner._flagged(None, None) == (None, None)
    assert runner._flagged(None, "bad number") == (
        "INVALID_PHONE_NUMBER",
        "added, flagged: bad number",
    )
    assert runner._flagged("on Opt-outs", "bad number") == (
        "DNC",
        "added, flagged: on Opt-outs; bad number",
    )
