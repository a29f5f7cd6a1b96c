"""Error mapping of the SDK against a live server: every HTTP verdict has its own class."""

from __future__ import annotations

import pytest

from dialist.client import (
    APIError,
    Client,
    Conflict,
    DialistClientError,
    Forbidden,
    NotFound,
    TransportError,
    Unauthorized,
    ValidationFailed,
)
from dialist.client.errors import api_error
from tests.client.conftest import client_for
from tests.conftest import Server, Tenant, free_port


def test_wrong_secret_is_unauthorized(tenant: Tenant) -> None:
    with (
        client_for(tenant, client_secret="x" * 64) as client,
        pytest.raises(Unauthorized) as caught,
    ):
        client.lists()
    error = caught.value
    assert isinstance(error, APIError) and isinstance(error, DialistClientError)
    assert error.status_code == 401 and error.code == "UNAUTHORIZED"
    assert error.errors and error.errors[0]["code"] == "UNAUTHORIZED"
    assert "401" in str(error) and error.message in str(error)


def test_short_secret_warns_nobody(tenant: Tenant, recwarn: pytest.WarningsRecorder) -> None:
    with client_for(tenant, client_secret="short") as client, pytest.raises(Unauthorized):
        client.lists()
    assert not [w for w in recwarn if "HMAC key" in str(w.message)]


def test_other_stream_and_account_are_forbidden(tenant: Tenant) -> None:
    with client_for(tenant, stream_id="st-not-mine") as client, pytest.raises(Forbidden) as caught:
        client.lists()
    assert caught.value.status_code == 403
    with client_for(tenant, account_id="another-account") as client, pytest.raises(Forbidden):
        client.lists()


def test_lists_and_find_list(tenant: Tenant, sdk: Client) -> None:
    created = tenant.create_list("Spring Renewals")
    other = tenant.create_list("Autumn")
    names = [one["name"] for one in sdk.lists()]
    assert set(names) == {"Spring Renewals", "Autumn"}
    assert sdk.find_list("spring RENEWALS")["_id"] == created["_id"]
    assert sdk.find_list(other["_id"])["name"] == "Autumn"
    assert sdk.get_list(created["_id"])["_id"] == created["_id"]
    # A list may be named like an id: found by name when no list has that id.
    named_like_an_id = tenant.create_list("cl-not-an-id")
    assert sdk.find_list("CL-not-an-id")["_id"] == named_like_an_id["_id"]
    with pytest.raises(NotFound) as caught:
        sdk.find_list("No such list")
    assert caught.value.status_code == 404 and "No such list" in caught.value.message
    with pytest.raises(NotFound) as caught:
        sdk.get_list("cl-00000000-0000-0000-0000-000000000000")
    assert caught.value.code == "NOT_FOUND"


def test_another_tenants_list_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.create_list("Theirs")
    with client_for(tenant) as client:
        with pytest.raises(NotFound):
            client.find_list(theirs["_id"])
        with pytest.raises(NotFound):
            client.find_list("Theirs")


def test_bad_input_is_validation_failed_with_the_field(sdk: Client) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sdk.request("GET", f"{sdk.lists_path}/getAllListDetails", params={"type": "fax"})
    assert caught.value.status_code == 400 and caught.value.code == "VALIDATION_ERROR"
    assert caught.value.errors[0]["field"] == "type"


def test_duplicate_name_is_a_conflict(tenant: Tenant, sdk: Client) -> None:
    tenant.create_list("Twice")
    body = {"name": "twice", "description": "", "source": "passiveApi"}
    with pytest.raises(Conflict) as caught:
        sdk.request("POST", f"{sdk.lists_path}/createContactList", json=body)
    assert caught.value.status_code == 409 and caught.value.code == "DUPLICATE_NAME"


def test_closed_port_is_a_transport_error_naming_the_url(tenant: Tenant) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with client_for(tenant, url=url) as client, pytest.raises(TransportError) as caught:
        client.lists()
    assert caught.value.url == url and url in caught.value.message
    assert "refused" in caught.value.message.lower()
    assert not isinstance(caught.value, APIError)


def test_a_url_that_is_no_url_is_refused_up_front() -> None:
    with pytest.raises(DialistClientError, match="http"):
        Client("localhost:8000", "cs-x", "s", "acc", "st-x")


def test_from_settings_names_what_is_missing(server: Server) -> None:
    from dialist.settings import Settings

    settings = Settings(url=server.url, client_id="cs-x", account_id="acc")
    with pytest.raises(DialistClientError) as caught:
        Client.from_settings(settings)
    assert "DIALIST_CLIENT_SECRET" in caught.value.message
    assert "DIALIST_STREAM_ID" in caught.value.message
    assert "DIALIST_CLIENT_ID" not in caught.value.message


def test_an_answer_that_is_not_the_envelope_still_maps() -> None:
    error = api_error(502, None, "Bad Gateway")
    assert type(error) is APIError and error.status_code == 502
    assert error.message == "Bad Gateway" and error.code == "HTTP_502"
    assert type(api_error(413, {"message": "too big"}, "")).__name__ == "PayloadTooLarge"
    only_items = api_error(400, {"errors": [{"msg": "bad", "code": "X", "field": "f"}]}, "")
    assert isinstance(only_items, ValidationFailed)
    assert (only_items.message, only_items.code) == ("bad", "X")


@pytest.mark.parametrize(
    "status, code, kind",
    [
        (410, "CURSOR_EXPIRED", "Gone"),
        (412, "VERSION_MISMATCH", "PreconditionFailed"),
        (422, "IDEMPOTENCY_KEY_REUSED", "Unprocessable"),
        (409, "DUPLICATE_CONTACT", "Conflict"),
    ],
)
def test_new_statuses_have_their_error_class(status: int, code: str, kind: str) -> None:
    import dialist.client as sdk
    from dialist.client.errors import api_error

    body = {"status": "failure", "message": "m", "errors": [{"msg": "m", "code": code}]}
    error = api_error(status, body, "")
    assert type(error) is getattr(sdk, kind)
    assert (error.status_code, error.code) == (status, code)
