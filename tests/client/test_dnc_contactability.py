"""DNC lists, calling policy, attempts and contactability through the SDK, against the live
test server: batching, paging iterators and the errors they map to."""

from __future__ import annotations

import pytest

from dialist.client import Client, Conflict, NotFound, ValidationFailed
from tests.client.conftest import CountingTransport, client_for
from tests.conftest import Tenant

NOON_NY = "2026-06-03T16:00:00Z"  # a Wednesday, 12:00 in New York
LATE_NY = "2026-06-04T03:00:00Z"  # 23:00 in New York
NUMBERS = ["+12125550101", "+12125550102", "+12125550103"]


def test_dnc_lists_entries_and_check(tenant: Tenant, sdk: Client) -> None:
    created = sdk.create_dnc_list("Blocked", description="test")
    assert created["_id"].startswith("dn-") and created["entryCount"] == 0
    with pytest.raises(Conflict) as duplicate:
        sdk.create_dnc_list("blocked")
    assert duplicate.value.code == "DUPLICATE_NAME"
    assert sdk.find_dnc_list("BLOCKED")["_id"] == created["_id"]
    assert [d["_id"] for d in sdk.dnc_lists()] == [created["_id"]]

    # Two items a request: the indexes of the answer count over every item given.
    added = sdk.add_dnc_entries(
        created["_id"],
        [{"phoneNumber": n, "reason": "asked"} for n in NUMBERS]
        + [{"phoneNumber": "abc"}, {"prefix": "+1999"}],
        batch_size=2,
    )
    assert (added["added"], added["updated"], added["invalid"]) == (4, 0, 1)
    assert [r["index"] for r in added["results"]] == [0, 1, 2, 3, 4]
    assert added["results"][3]["status"] == "invalid"
    assert added["results"][3]["errors"][0]["code"] == "NOT_A_NUMBER"

    counting = CountingTransport()
    with client_for(tenant, transport=counting) as paging:
        entries = list(paging.iter_dnc_entries(created["_id"], page_size=2))
    assert [e.get("phoneNumber") or e.get("prefix") for e in entries] == [*NUMBERS, "+1999"]
    assert len(counting.requests) == 2  # two pages of two
    (one,) = sdk.iter_dnc_entries(created["_id"], phone_number="(212) 555-0102")
    assert one["_id"] == entries[1]["_id"]

    checked = sdk.check_dnc(["+12125550101", "+19995550100", "+12125550199", "x"])
    assert [c["blocked"] for c in checked] == [True, True, False, False]
    assert checked[1]["matches"][0]["value"] == "+1999"
    assert checked[3]["e164"] is None

    deleted = sdk.delete_dnc_entries(created["_id"], phone_numbers=[NUMBERS[0], "+12125550199"])
    assert (deleted["deleted"], deleted["notFound"]) == (1, 1)
    deleted = sdk.delete_dnc_entries(created["_id"], entry_ids=[entries[3]["_id"]])
    assert deleted["deleted"] == 1
    with pytest.raises(ValueError):
        sdk.delete_dnc_entries(created["_id"])

    renamed = sdk.update_dnc_list(created["_id"], name="Renamed")
    assert renamed["name"] == "Renamed" and renamed["entryCount"] == 2
    assert sdk.delete_dnc_list(created["_id"])["_id"] == created["_id"]
    with pytest.raises(NotFound):
        sdk.get_dnc_list(created["_id"])
    with pytest.raises(NotFound):
        sdk.find_dnc_list("Renamed")
    with pytest.raises(ValidationFailed) as bad:
        sdk.check_dnc(["+12125550101"], at="noon")
    assert bad.value.errors[0]["field"] == "at"


def test_policy_attempts_contactability_and_callable(tenant: Tenant, sdk: Client) -> None:
    contact_list = tenant.create_list(allowDuplicates=True)
    list_id = contact_list["_id"]
    added = tenant.add(list_id, [{"phoneNumber": n} for n in NUMBERS])["results"]
    ids = [r["_id"] for r in added]

    policy = sdk.calling_policy()
    assert sdk.put_calling_policy(policy) == policy
    override = sdk.put_list_calling_policy(list_id, {"endBufferMinutes": 30})
    assert override["override"] == {"endBufferMinutes": 30}
    assert sdk.list_calling_policy(list_id)["effective"]["endBufferMinutes"] == 30
    assert sdk.put_list_calling_policy(list_id, None)["override"] is None

    attempt = sdk.record_attempt(list_id, ids[2], outcome="optOut", at=NOON_NY)
    assert attempt["outcome"] == "optOut"
    assert [a["_id"] for a in sdk.attempts(list_id, ids[2])] == [attempt["_id"]]
    with pytest.raises(NotFound):
        sdk.attempts(list_id, "cc-nope")

    results = sdk.contactability(
        [{"contactListId": list_id, "contactId": ids[0]}, {"phoneNumber": NUMBERS[2]}],
        at=NOON_NY,
    )
    assert [r["callable"] for r in results] == [True, False]  # the second opted out

    counting = CountingTransport()
    with client_for(tenant, transport=counting) as paging:
        found = list(paging.iter_callable(list_id, at=NOON_NY, page_size=1))
    assert [c["_id"] for c in found] == ids[:2]
    assert len(counting.requests) >= 2
    assert list(sdk.iter_callable(list_id, at=LATE_NY)) == []
    with pytest.raises(ValidationFailed):
        sdk.callable_page(list_id, cursor="nope")
