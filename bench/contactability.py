"""DNC and contactability at scale: the contactability check, the DNC batch check against a large
DNC list, the callable page of a large list and a DNC scrub of the whole list, each against a
floor measured in the same run.

One list per backend of ``size`` US numbers (area codes of the contiguous states, so at ``AT``,
a Wednesday 18:00 UTC, every number is inside its window) loaded through the batch add, and one
stream-scope DNC list of ``size`` entries loaded through its entries endpoint: every fifth
number of the contact list (so ~80 % of the list is callable) and as many again not in it.

Every request is cut off at ``timeout`` seconds and every measurement stops issuing requests
once it has spent that long; a figure cut short that way is a miss, shown with the time reached.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import httpx
import msgspec
import phonenumbers

from bench import load, paging
from bench.changes import CutOffError, _check, _client, _ms, _server
from bench.tools import DATA, BenchTenant, Figure, new_tenant

AT = "2026-06-03T18:00:00Z"  # a Wednesday: 14:00 in New York, 11:00 in Los Angeles
BATCH = 1_000  # numbers or items a check request carries (the endpoints' maximum)
DNC_BATCH = 10_000  # entries an add request carries
MEASURE_SECONDS = 20  # each throughput measurement, split between it and its floor
ROUNDS = 300  # of each URL whose p50 is compared, interleaved
# Area codes of the contiguous states, over the four mainland zones.
AREA_CODES = (
    "212", "617", "404", "305", "919", "215",  # Eastern
    "312", "713", "214", "612", "504",  # Central
    "303", "801", "602", "505",  # Mountain (Arizona without DST)
    "415", "206", "503", "702", "213",  # Pacific
)  # fmt: skip


def run(backend: str, database: str, size: int, work: Path, timeout: float) -> list[Figure]:
    """The figures on one backend, over a fresh ``database``."""
    numbers, others = us_numbers(size)
    position = {number: index for index, number in enumerate(numbers)}
    tenant = new_tenant(database)
    log = work / f"{backend}-contactability-server.log"
    label = f"[{backend}]"
    items = [{"phoneNumber": number, "firstName": "Ada"} for number in numbers]
    blocked = numbers[::5] + others
    print(f"{label} contactability: loading {size:,} US contacts by batch add ...", flush=True)
    with _server(database, log) as base:
        list_id, seconds = load.load_through_api([base], tenant, items)
        print(f"{label}   loaded in {seconds:.0f} s; {len(blocked):,} DNC entries ...", flush=True)
        seconds = _load_dnc(base, tenant, blocked, log)
        print(f"{label}   DNC entries loaded in {seconds:.0f} s", flush=True)
    return [
        _contactability(label, database, log, tenant, list_id, numbers, timeout),
        _dnc_check(label, database, log, tenant, numbers, len(blocked), timeout),
        *_callable(label, database, log, tenant, list_id, position, timeout),
        # Last: the scrub removes contacts.
        _scrub(label, database, log, tenant, list_id, numbers, others, timeout),
    ]


# ---- the measurements ---------------------------------------------------------------------


def _contactability(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    numbers: list[str],
    timeout: float,
) -> Figure:
    """Items/s of ``POST contactability`` with BATCH numbers a request ÷ items/s of
    getAllContacts pages of 1,000 walking the list, one sequential client, interleaved: two
    passes over the list, the first printed (cold: the server sees each area code and exchange,
    and reads the DNC list into memory, for the first time), the second the figure (warm: a
    dialer checks the same lists all day)."""
    print(f"{label}   contactability, {BATCH:,} numbers a request, against paging ...", flush=True)
    with _server(database, log) as base, _client(tenant, timeout) as client:
        url = f"{_base(tenant, base)}/contactability"
        passes = []
        for name in ("cold", "warm"):
            done = _check_pass(client, url, log, base, tenant, list_id, numbers, timeout)
            passes.append(done)
            print(
                f"{label}   {name}: {done.checked:,} items checked at {done.rate:,.0f}/s, "
                f"{done.paged:,} paged at {done.floor:,.0f}/s: ratio {done.rate / done.floor:.3f}"
                + (f" ({done.cut})" if done.cut else ""),
                flush=True,
            )
            if done.cut:
                break
    done = passes[-1]
    ratio = done.rate / done.floor
    return Figure(
        f"{label} contactability {BATCH:,}/request, 1 worker",
        f"{done.rate:,.0f} items/s",
        f"{done.floor:,.0f} items/s getAllContacts 1000" + (f", {done.cut}" if done.cut else ""),
        ratio,
        ">= 0.3",
        not done.cut and ratio >= 0.3,
    )


class _Pass(NamedTuple):
    checked: int
    rate: float  # items/s checked
    paged: int
    floor: float  # items/s paged
    cut: str  # why it stopped early, if it did


def _check_pass(
    client: httpx.Client,
    url: str,
    log: Path,
    base: str,
    tenant: BenchTenant,
    list_id: str,
    numbers: list[str],
    timeout: float,
) -> _Pass:
    """One pass over the list's batches (at most MEASURE_SECONDS), each check followed by the
    getAllContacts page at the same place."""
    checked = paged = 0
    check_seconds = page_seconds = 0.0
    cut = ""
    started = time.perf_counter()
    for start in _starts(len(numbers)):
        items = [{"phoneNumber": n} for n in numbers[start : start + BATCH]]
        try:
            seconds, response = _posted(client, url, log, {"items": items, "at": AT})
            results = response.json()["data"]["results"]
            if len(results) != len(items):
                raise RuntimeError(f"contactability answered {len(results)} results")
            checked += len(results)
            check_seconds += seconds
            page = paging.page_url(base, tenant, list_id, start, limit=BATCH)
            seconds, response = _timed(client, "GET", page, log)
            paged += len(response.json()["data"]["results"])
            page_seconds += seconds
        except CutOffError:
            cut = f"request cut at {timeout:.0f} s"
            break
        spent = time.perf_counter() - started
        if spent > timeout:
            cut = f"stopped at {spent:.0f} s"
            break
        if spent > MEASURE_SECONDS:
            break
    rate = checked / check_seconds if check_seconds else 0.0
    floor = paged / page_seconds if page_seconds else float("inf")
    return _Pass(checked, rate, paged, floor, cut)


def _dnc_check(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    numbers: list[str],
    entries: int,
    timeout: float,
) -> Figure:
    """Numbers/s of ``POST dnc/check`` with BATCH numbers a request (the list's numbers, one in
    five on the DNC list) ÷ primary-key reads/s of as many ``dnc_entries`` rows, one SELECT a
    key through the driver, on the same database while the server is up."""
    size = len(numbers)
    print(f"{label}   dnc/check against {entries:,} entries, {BATCH:,} a request ...", flush=True)
    checked = hits = 0
    check_seconds = 0.0
    cut = ""
    with _server(database, log) as base, _client(tenant, timeout) as client:
        url = f"{_base(tenant, base)}/dnc/check"
        started = time.perf_counter()
        for start in _starts(size):
            body = {"phoneNumbers": numbers[start : start + BATCH], "at": AT}
            try:
                seconds, response = _posted(client, url, log, body)
            except CutOffError:
                cut = f"request cut at {timeout:.0f} s"
                break
            results = response.json()["data"]["results"]
            checked += len(results)
            hits += sum(result["blocked"] for result in results)
            check_seconds += seconds
            spent = time.perf_counter() - started
            if spent > timeout:
                cut = f"stopped at {spent:.0f} s"
                break
            if spent > MEASURE_SECONDS / 2:
                break
        reads, read_seconds = _key_reads(database, max(checked, 1))
    rate = checked / check_seconds if check_seconds else 0.0
    floor = reads / read_seconds
    ratio = rate / floor
    print(
        f"{label}   {checked:,} numbers checked ({hits:,} blocked), {reads:,} key reads"
        + (f" ({cut})" if cut else ""),
        flush=True,
    )
    return Figure(
        f"{label} dnc/check {BATCH:,}/request vs {entries:,}",
        f"{rate:,.0f} numbers/s",
        f"{floor:,.0f} pk reads/s" + (f", {cut}" if cut else ""),
        ratio,
        ">= 0.5",
        not cut and ratio >= 0.5,
    )


def _callable(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    position: dict[str, int],
    timeout: float,
) -> list[Figure]:
    """p50 of ``callable?limit=100`` ÷ p50 of getAllContacts page of 100 (both at the head);
    p50 of ``callable?limit=100`` from a cursor ~90 % into the list ÷ its first page. The deep
    cursor is reached by following ``callable`` cursors, 1,000 contacts a page."""
    size = len(position)
    target = size * 9 // 10
    prefix = f"{_base(tenant, '')}/contactList/{list_id}/callable?at={AT}"
    with _server(database, log) as base, _client(tenant, timeout) as client:
        print(f"{label}   callable: following cursors to position {target:,} ...", flush=True)
        reached, cursor, returned, cut = 0, None, 0, ""
        started = time.perf_counter()
        while reached < target:
            url = f"{base}{prefix}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
            try:
                _, response = _timed(client, "GET", url, log)
            except CutOffError:
                cut = f"request cut at {timeout:.0f} s"
                break
            data = response.json()["data"]
            if data["contacts"]:
                reached = position[data["contacts"][-1]["phoneNumber"]] + 1
            returned += len(data["contacts"])
            cursor = data["nextCursor"]
            if cursor is None:
                raise RuntimeError(f"callable ended at position {reached:,}")
            spent = time.perf_counter() - started
            if spent > timeout:
                cut = f"stopped at {spent:.0f} s"
                break
        share = returned / reached if reached else 0.0
        print(
            f"{label}   position {reached:,} after {returned:,} callable ({share:.0%}) in "
            f"{time.perf_counter() - started:.0f} s" + (f" ({cut})" if cut else ""),
            flush=True,
        )
        urls = {
            "callable": f"{base}{prefix}&limit=100",
            "page": paging.page_url(base, tenant, list_id, 0, limit=100),
        }
        if cursor is not None:
            urls["deep"] = f"{base}{prefix}&limit=100&cursor={cursor}"
        medians, p50_cut = _p50s(urls, tenant, ROUNDS, timeout)
    cut = cut or p50_cut
    first = medians["callable"]
    head = first / medians["page"]
    figures = [
        Figure(
            f"{label} p50 callable 100 / getAllContacts 100",
            _ms(first),
            _ms(medians["page"]) + (f", {p50_cut}" if p50_cut else ""),
            head,
            "<= 3",
            not p50_cut and head <= 3,
        )
    ]
    deep = medians.get("deep", float("inf"))  # no deep cursor: the walk was cut
    ratio = deep / first
    figures.append(
        Figure(
            f"{label} p50 callable position {reached:,}/0",
            _ms(deep) if deep < float("inf") else "n/a",
            _ms(first) + (f", {cut}" if cut else ""),
            ratio,
            "<= 1.5",
            not cut and ratio <= 1.5,
        )
    )
    return figures


def _scrub(
    label: str,
    database: str,
    log: Path,
    tenant: BenchTenant,
    list_id: str,
    numbers: list[str],
    others: list[str],
    timeout: float,
) -> Figure:
    """Contacts/s of a scrub job of the whole list against ``size // 10`` DNC entries (every
    twentieth number of the list and as many not in it, so 5 % of the list is removed) ÷
    contacts/s of a bare scan of the same list: every contact's key, ``seq`` and
    ``phone_e164`` read in list order, a read transaction per batch of the scrub's batch size,
    through the same function and database layer the scrub reads with (the faster of two
    scans, made before the scrub on the whole list). The scrub's rate is its job's own
    (contacts scanned ÷ its run time, checkpoints, lookups and deletes included)."""
    size = len(numbers)
    blocked = numbers[::20] + others[: size // 20]
    with _server(database, log) as base, _client(tenant, timeout) as client:
        print(f"{label}   scrub: a DNC list of {len(blocked):,} entries in place ...", flush=True)
        url = f"{_base(tenant, base)}/dncList"
        for dnc_list in client.get(url).json()["data"]:
            _check(client.delete(f"{url}/{dnc_list['_id']}"), log)
        _load_dnc(base, tenant, blocked, log, name="scrub")
        scanned, scan_seconds = max(
            (_bare_scan(database, list_id) for _ in range(2)), key=lambda r: r[0] / r[1]
        )
        print(f"{label}   bare scan: {scanned:,} contacts in {scan_seconds:.2f} s", flush=True)
        started = time.perf_counter()
        response = client.post(f"{tenant.prefix(base)}/{list_id}/scrub", json={})
        _check(response, log)
        job_url = f"{tenant.prefix(base)}/{list_id}/scrubs/{response.json()['data']['_id']}"
        cut = ""
        while True:
            job = client.get(job_url).json()["data"]
            if job["status"] in ("succeeded", "failed", "cancelled"):
                break
            if time.perf_counter() - started > timeout:
                cut = f"stopped at {timeout:.0f} s"
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
    counts = job["counts"]
    if not cut and (job["status"] != "succeeded" or counts["removed"] != len(numbers[::20])):
        raise RuntimeError(f"the scrub ended {job['status']} with {counts}, {job.get('error')}")
    rate = float(job["contactsPerSecond"])
    floor = scanned / scan_seconds
    ratio = rate / floor
    print(
        f"{label}   scrub: {counts['scanned']:,} scanned, {counts['removed']:,} removed at "
        f"{rate:,.0f} contacts/s (job), {wall:.1f} s from POST to seen finished; bare scan "
        f"{floor:,.0f} contacts/s" + (f" ({cut})" if cut else ""),
        flush=True,
    )
    return Figure(
        f"{label} scrub {size:,} against {len(blocked):,} entries",
        f"{rate:,.0f} contacts/s",
        f"{floor:,.0f} contacts/s bare scan" + (f", {cut}" if cut else ""),
        ratio,
        ">= 0.3",
        not cut and ratio >= 0.3,
    )


def _bare_scan(database_url: str, list_public_id: str) -> tuple[int, float]:
    """(contacts, seconds) of reading the whole list as a scrub does, without the rest."""
    import sqlalchemy as sa

    from dialist.auth.models import TenantScope
    from dialist.contacts import service as contacts
    from dialist.db.engine import Database
    from dialist.db.schema import contact_lists
    from dialist.lists import service as lists
    from dialist.settings import Settings

    batch = Settings().scrub_batch_rows
    list_id = lists.list_key(list_public_id)
    database = Database(database_url, pool_size=1)
    try:
        with database.read() as conn:
            query = sa.select(contact_lists.c.tenant_id).where(contact_lists.c.id == list_id)
            tenant_id = conn.execute(query).scalar_one()
        scope = TenantScope(tenant_id=tenant_id, account_id="", stream_id="", user_id="bench")
        after, read = -1, 0
        started = time.perf_counter()
        while True:
            with database.read() as conn:
                rows = contacts.numbers_after(
                    conn, scope, list_id=list_id, after_seq=after, count=batch
                )
            read += len(rows)
            if len(rows) < batch:
                break
            after = rows[-1][1]
        return read, time.perf_counter() - started
    finally:
        database.dispose()


# ---- helpers ------------------------------------------------------------------------------


def us_numbers(size: int) -> tuple[list[str], list[str]]:
    """``size`` distinct valid US numbers for the list, shuffled, and ``size * 4 // 5`` more for
    the DNC list only (generated once, then read from bench/.data)."""
    path = DATA / f"us-numbers-{size}.txt"
    wanted = size + size * 4 // 5
    if path.exists():
        found = path.read_text().split()
    else:
        print(f"generating {wanted:,} US numbers (cached in bench/.data) ...", flush=True)
        rng = random.Random(20260603)
        space = len(AREA_CODES) * 800 * 10_000  # area code, exchange 200-999, line
        found = []
        for value in rng.sample(range(space), wanted + wanted // 20):
            rest, area = divmod(value, len(AREA_CODES))
            line, exchange = divmod(rest, 800)
            if exchange + 200 in (555, 211, 311, 411, 511, 611, 711, 811, 911):
                continue
            number = f"+1{AREA_CODES[area]}{exchange + 200}{line:04d}"
            if phonenumbers.is_valid_number(phonenumbers.parse(number)):
                found.append(number)
            if len(found) == wanted:
                break
        if len(found) < wanted:
            raise RuntimeError(f"made only {len(found):,} valid US numbers of {wanted:,}")
        DATA.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(found))
    return found[:size], found[size:]


def _load_dnc(
    base: str, tenant: BenchTenant, numbers: list[str], log: Path, name: str = "bench"
) -> float:
    """A stream-scope DNC list with ``numbers``, DNC_BATCH a request from load.CLIENTS threads."""
    url = f"{_base(tenant, base)}/dncList"
    with _client(tenant, 600) as client:
        created = client.post(url, json={"name": name, "scope": "stream"})
        _check(created, log)
        entries_url = f"{url}/{created.json()['data']['_id']}/entries"
        bodies = [
            msgspec.json.encode(
                {"entries": [{"phoneNumber": n} for n in numbers[s : s + DNC_BATCH]]}
            )
            for s in range(0, len(numbers), DNC_BATCH)
        ]
        headers = {"content-type": "application/json"}

        def send(body: bytes) -> int:
            response = client.post(entries_url, content=body, headers=headers)
            _check(response, log)
            answer = response.json()["data"]
            return int(answer["added"])

        started = time.perf_counter()
        with ThreadPoolExecutor(load.CLIENTS) as pool:
            added = sum(pool.map(send, bodies))
        elapsed = time.perf_counter() - started
    if added != len(numbers):
        raise RuntimeError(f"only {added:,} of {len(numbers):,} DNC entries were added")
    return elapsed


def _key_reads(database_url: str, count: int) -> tuple[int, float]:
    """(reads, seconds) of ``count`` primary-key SELECTs of random ``dnc_entries`` rows, one
    key a statement (sqlite3; psycopg with a prepared statement)."""
    select = "SELECT value, is_prefix, expires_at, reason, source FROM dnc_entries WHERE id = {p}"
    rng = random.Random(5)
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(Path(database_url.removeprefix("sqlite:///")))
        keys = [row[0] for row in conn.execute("SELECT id FROM dnc_entries")]
        chosen = [rng.choice(keys) for _ in range(count)]
        statement = select.format(p="?")
        started = time.perf_counter()
        found = sum(conn.execute(statement, (key,)).fetchone() is not None for key in chosen)
        seconds = time.perf_counter() - started
        conn.close()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            keys = [row[0] for row in conn.execute("SELECT id FROM dnc_entries")]
            chosen = [rng.choice(keys) for _ in range(count)]
            statement = select.format(p="%s")
            started = time.perf_counter()
            with conn.cursor() as cursor:
                found = 0
                for key in chosen:
                    cursor.execute(statement, (key,), prepare=True)
                    found += cursor.fetchone() is not None
            seconds = time.perf_counter() - started
    if found != count:
        raise RuntimeError(f"{count - found:,} of {count:,} keys were not found")
    return count, seconds


def _p50s(
    urls: dict[str, str], tenant: BenchTenant, rounds: int, timeout: float
) -> tuple[dict[str, float], str]:
    """Median seconds per URL of one sequential client, the URLs interleaved round by round,
    and why it stopped early: after ``timeout`` seconds (medians of the rounds done), or a
    request cut off (that sample counts as ``timeout``)."""
    samples: dict[str, list[float]] = {name: [] for name in urls}
    started = time.perf_counter()
    cut = ""
    with _client(tenant, timeout) as client:
        for _ in range(rounds):
            for name, url in urls.items():
                try:
                    seconds, response = _timed(client, "GET", url, None)
                except CutOffError:
                    samples[name].append(timeout)
                    return _medians(samples), f"request cut at {timeout:.0f} s"
                data = response.json()["data"]
                if not data.get("contacts", data.get("results")):
                    raise RuntimeError(f"{name}: empty page {response.text[:200]}")
                samples[name].append(seconds)
            spent = time.perf_counter() - started
            if spent > timeout:
                cut = f"p50s stopped at {spent:.0f} s"
                break
    return _medians(samples), cut


def _medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(v) if v else float("inf") for name, v in samples.items()}


def _timed(
    client: httpx.Client, method: str, url: str, log: Path | None, **kwargs: object
) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    try:
        response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        raise CutOffError from None
    elapsed = time.perf_counter() - started
    _check(response, log)
    return elapsed, response


def _posted(
    client: httpx.Client, url: str, log: Path, body: object
) -> tuple[float, httpx.Response]:
    """``_timed`` POST of ``body`` encoded before the clock starts: what is measured is the
    server's work and the transfer, not the client's JSON encoder (httpx's ``json=`` took
    ~1.4 ms of a 1,000-item request, a tenth of the check)."""
    content = msgspec.json.encode(body)
    return _timed(client, "POST", url, log, content=content, headers=_JSON)


_JSON = {"content-type": "application/json"}


def _starts(size: int) -> list[int]:
    """Batch starts spread over the whole list (a stride through it, then wrapping)."""
    count = max(size // BATCH, 1)
    stride = next(s for s in (37, 41, 43, 47, 53, 1) if count % s or s == 1)
    return [(i * stride % count) * BATCH for i in range(count)]


def _base(tenant: BenchTenant, base: str) -> str:
    """``B`` of the DNC and contactability routes (the contact-list prefix less its tail)."""
    return tenant.prefix(base).removesuffix("/contactList")
