"""The console in a real browser: sign in, lists, an upload watched to its end, the per-row
report, undo, a DNC entry that makes a contact not callable, the 409 of a list in use, the
pages at 390 px, and no request to any other machine."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Tabs, screenshot, sign_in
from tests.conftest import Server, Tenant

XSS = "<script>alert(1)</script>"


def _local_noon_zone() -> str:
    """An IANA zone where it is about noon now, so the default window (08:00-21:00) is open
    whatever the time of the test run."""
    offset = 12 - dt.datetime.now(dt.UTC).hour  # hours to add to UTC: -11 … +12
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}")  # Etc signs are reversed


def _create_list(page: Page, name: str) -> str:
    page.goto(page.url.split("/ui/")[0] + "/ui/lists")
    page.fill("form[action='/ui/lists'] input[name=name]", name)
    page.fill("form[action='/ui/lists'] input[name=description]", "made in a browser")
    page.click("form[action='/ui/lists'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/ui/lists/cl-[^/?]+\?done=list-created"))
    return page.url.split("/ui/lists/")[1].split("?")[0]


def _drop_file(page: Page, name: str, content: str) -> None:
    """Drop a file on the drop zone, as a person dragging it from their desktop would."""
    page.evaluate(
        """([name, content]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([content], name, { type: "text/csv" }));
            const zone = document.querySelector(".dropzone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true }));
            }
        }""",
        [name, content],
    )


def test_upload_watch_report_undo(
    page: Page, tabs: Tabs, console_server: Server, person: Tenant, tmp_path: Path
) -> None:
    sign_in(page, console_server, person)
    list_id = _create_list(page, XSS)
    # A name typed by the user is text on the page, never markup.
    expect(page.locator("h1")).to_have_text(XSS)
    page.goto(console_server.url + "/ui/lists")
    expect(page.get_by_role("link", name=XSS)).to_be_visible()
    assert not any(d.startswith("alert") for d in tabs.dialogs)

    page.goto(f"{console_server.url}/ui/lists/{list_id}")
    rows = "".join(f"+1415555{n:04d},Person {n}\n" for n in range(40))
    _drop_file(page, "people.csv", "phoneNumber,firstName\n" + rows + "not a number,Eve\n")
    expect(page.locator(".drop-text")).to_contain_text("people.csv")
    page.click("form[data-upload] button[type=submit]")
    page.wait_for_url(re.compile(r".*/imports/ij-[^/?]+$"))
    # The page follows the job until it ends, then shows the report.
    expect(page.locator("[data-field=status]")).to_have_text("succeeded", timeout=30_000)
    expect(page.locator("[data-field=added]")).to_have_text("40")
    expect(page.locator("[data-field=invalid]")).to_have_text("1")
    screenshot(page, "import-job", tmp_path)

    page.click("nav.tabs >> text=invalid")
    report = page.locator("table.report tbody tr")
    expect(report).to_have_count(1)
    expect(report.first).to_contain_text("invalid")
    page.click("nav.tabs >> text=added")
    expect(report).to_have_count(40)

    page.click("button:has-text('Undo import')")
    expect(page.locator(".notice").first).to_contain_text("Import undone")
    assert any("Remove every contact" in d for d in tabs.dialogs)
    page.goto(f"{console_server.url}/ui/lists/{list_id}")
    expect(page.locator(".meta strong").first).to_have_text("0")


def test_dnc_entry_makes_a_contact_not_callable(
    page: Page, console_server: Server, person: Tenant, tmp_path: Path
) -> None:
    created = person.create_list("Callbacks")
    zone = _local_noon_zone()
    added = person.add(created["_id"], [{"phoneNumber": "+14155550123", "timeZone": zone}])
    contact_id = added["results"][0]["_id"]
    sign_in(page, console_server, person)
    # Jurisdiction rules (state quiet hours, holidays) off: the test is about DNC alone.
    page.goto(console_server.url + "/ui/policy")
    page.uncheck("input[name=jurisdictionRules]")
    page.click("form.policy button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Calling policy saved.")

    contact_page = f"{console_server.url}/ui/lists/{created['_id']}/contacts/{contact_id}"
    page.goto(contact_page)
    expect(page.locator("#callable h2")).to_have_text("Can be called now")
    page.goto(f"{console_server.url}/ui/lists/{created['_id']}/callable")
    expect(page.locator("tbody")).to_contain_text("+14155550123")

    page.goto(console_server.url + "/ui/dnc")
    page.fill("form[action='/ui/dnc'][method=post] input[name=name]", "Opt-outs")
    page.click("form[action='/ui/dnc'][method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/ui/dnc/dn-[^/?]+\?done=dnc-created"))
    page.fill("textarea[name=numbers]", "(415) 555-0123")
    page.fill("input[name=reason]", "asked on the phone")
    page.click("form[action$='/entries'] button[type=submit]")
    expect(page.locator("table.entries tbody")).to_contain_text("+14155550123")
    screenshot(page, "dnc-list", tmp_path)

    page.goto(console_server.url + "/ui/dnc")
    page.fill("input[name=check]", "+1 415 555 0123")
    page.click("form[action='/ui/dnc'][method=get] button")
    expect(page.locator("#check-result")).to_contain_text("is on a do-not-call list")

    page.goto(contact_page)
    expect(page.locator("#callable h2")).to_have_text("Cannot be called now")
    expect(page.locator("#callable .reasons")).to_contain_text("DNC")
    screenshot(page, "contact", tmp_path)
    page.select_option("form.attempt select[name=outcome]", "noAnswer")
    page.fill("form.attempt input[name=note]", "rang out")
    page.click("form.attempt button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Attempt recorded.")
    expect(page.locator("#attempts tbody")).to_contain_text("rang out")
    page.goto(f"{console_server.url}/ui/lists/{created['_id']}/callable")
    expect(page.locator("tbody")).not_to_contain_text("+14155550123")


def test_deleting_a_list_in_use_is_explained(
    page: Page, console_server: Server, person: Tenant
) -> None:
    created = person.create_list("In use")
    linked = person.request(
        "POST",
        f"{person.v2}/{created['_id']}/campaigns",
        json={"id": "cd-spring", "name": "Spring renewals"},
    )
    assert linked.status_code == 200, linked.text
    sign_in(page, console_server, person)
    page.goto(f"{console_server.url}/ui/lists/{created['_id']}")
    page.click("button:has-text('Delete list')")
    alert = page.locator("main > .error")
    expect(alert).to_contain_text("Spring renewals")
    expect(alert).to_contain_text("unlink the list from the campaign first")
    expect(alert).to_contain_text("409")
    page.goto(console_server.url + "/ui/lists")
    expect(page.get_by_role("link", name="In use")).to_be_visible()


def test_pages_fit_a_phone_and_a_desktop(
    tabs: Tabs, console_server: Server, person: Tenant, tmp_path: Path
) -> None:
    created = person.create_list("Renewals May")
    added = person.add(
        created["_id"],
        [
            {"phoneNumber": "+14155552671", "firstName": "Ada", "lastName": "Lovelace"},
            {"phoneNumber": "+442071838750", "firstName": "Alan", "lastName": "Turing"},
        ],
    )
    for width, height in ((1280, 900), (390, 844)):
        page = tabs.open(width, height)
        sign_in(page, console_server, person)
        for name, path in (
            ("lists", "/ui/lists"),
            ("list", f"/ui/lists/{created['_id']}"),
            ("dnc", "/ui/dnc"),
            ("policy", "/ui/policy"),
            ("list-policy", f"/ui/lists/{created['_id']}/policy"),
            ("contact", f"/ui/lists/{created['_id']}/contacts/{added['results'][0]['_id']}"),
        ):
            page.goto(console_server.url + path)
            expect(page.locator("h1")).to_be_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{path} is {overflow} px wide in a {width} px window"
            screenshot(page, f"{name}-{width}", tmp_path)
