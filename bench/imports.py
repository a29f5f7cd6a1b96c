"""A file import through the service: a CRM-style CSV of realistic numbers, uploaded streamed,
its job polled to the end; the floor is a bare insert of the rows the service stored."""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import phonenumbers
from phonenumbers import PhoneNumberFormat

from bench.data import contacts, phone_numbers
from bench.memory import PeakRss, WatchedServer, tree_cpu_seconds
from bench.tools import DATA, BenchTenant

COLUMNS = ["Customer ID", "First Name", "Last Name", "Phone", "Phone 2", "Plan"]
PLANS = ["Basic", "Standard", "Premium", "Family", "Business", ""]
DUPLICATE_SHARE = 0.01
BAD_SHARE = 0.005
SECOND_PHONE_SHARE = 0.2
# Not valid numbers anywhere (each checked when the file is made): how bad numbers look in a CRM.
BAD_NUMBERS = [
    "12", "n/a", "555-0100", "000-000-0000", "+999 1234 5678", "+44 20 7946", "unknown",
    "1234567", "+1 (555) 01", "",
]  # fmt: skip
UPLOAD_PIECE = 1 << 20
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass(frozen=True)
class ImportFile:
    path: Path
    rows: int
    duplicates: int  # rows whose number appeared on an earlier row (in some written form)
    invalid: int  # rows whose number is not a valid number


@dataclass(frozen=True)
class ImportRun:
    list_id: str
    job: dict[str, object]
    upload_seconds: float  # first byte sent → 202 answered
    job_seconds: float  # 202 answered → job finished
    peak_rss: int
    rss_samples: int
    cpu_seconds: float  # CPU time the server's processes spent, upload to end

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = self.job["counts"]  # type: ignore[assignment]
        return counts


def _written(number: str, rng: random.Random) -> str:
    """The number as a person would type it: E.164, E.164 with spaces, or (for +1) national."""
    if number.startswith("+1"):
        digits = number[2:]
        form = rng.random()
        if form < 0.45:
            return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        if form < 0.65:
            return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        if form < 0.85:
            return number
        return f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"
    if rng.random() < 0.6:
        return number
    parsed = phonenumbers.parse(number)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


def _is_valid(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, "US"))
    except phonenumbers.NumberParseException:
        return False


def import_file(count: int) -> ImportFile:
    """A CSV of ``count`` rows (made once, cached in bench/.data/), with ~1% duplicate numbers
    (written in another form than the first time) and ~0.5% bad ones."""
    path = DATA / f"import-{count}.csv"
    facts = DATA / f"import-{count}.json"
    if path.exists() and facts.exists():
        known = json.loads(facts.read_text())
        return ImportFile(path, known["rows"], known["duplicates"], known["invalid"])
    bad = [text for text in BAD_NUMBERS if not _is_valid(text)]
    numbers = phone_numbers(count)
    people = contacts(numbers)
    rng = random.Random(20261125)
    duplicates = invalid = 0
    clean: list[int] = []  # rows whose number is their own (a duplicate may repeat one)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for index, person in enumerate(people):
            pick = rng.random()
            if pick < BAD_SHARE:
                phone = rng.choice(bad)
                invalid += 1
            elif pick < BAD_SHARE + DUPLICATE_SHARE and clean:
                phone = _written(numbers[rng.choice(clean)], rng)
                duplicates += 1
            else:
                phone = _written(numbers[index], rng)
                clean.append(index)
            second = ""
            if rng.random() < SECOND_PHONE_SHARE:
                second = _written(numbers[(index + count // 2) % count], rng)
            writer.writerow(
                [
                    person["uniqueId"],
                    person["firstName"],
                    person["lastName"],
                    phone,
                    second,
                    rng.choice(PLANS),
                ]
            )
    tmp.replace(path)
    facts.write_text(json.dumps({"rows": count, "duplicates": duplicates, "invalid": invalid}))
    return ImportFile(path, count, duplicates, invalid)


def _pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while piece := stream.read(UPLOAD_PIECE):
            yield piece


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def create_list(client: httpx.Client, prefix: str, name: str) -> str:
    created = client.post(
        f"{prefix}/createContactList",
        json={"name": name, "description": "import bench", "source": "passiveApi"},
    )
    _raise_for(created, None)
    list_id: str = created.json()["data"]["_id"]
    return list_id


def _raise_for(response: httpx.Response, server: WatchedServer | None) -> None:
    if response.status_code < 400:
        return
    log = f"\n--- server log (tail) ---\n{server.log_tail()}" if server else ""
    raise RuntimeError(
        f"{response.request.method} {response.request.url} -> {response.status_code}\n"
        f"{response.text[:4000]}{log}"
    )


def run_import(server: WatchedServer, tenant: BenchTenant, source: ImportFile) -> ImportRun:
    """Create a list, upload ``source`` into it (streamed, dedupe by phone), poll the job to its
    end, sampling the server's RSS all along."""
    prefix = tenant.prefix(server.base)
    with httpx.Client(headers=tenant.headers, timeout=3600) as client:
        list_id = create_list(client, prefix, "import bench")
        params = {
            "dedupe": "phone",
            "mapping": json.dumps({"uniqueId": "Customer ID"}),
            "fileName": source.path.name,
        }
        cpu_before = tree_cpu_seconds(server.pid)
        with PeakRss(server.pid) as rss:
            upload_started = time.time()
            answer = client.post(
                f"{prefix}/{list_id}/imports",
                params=params,
                content=_pieces(source.path),
                headers={"content-type": "text/csv"},
            )
            upload_ended = time.time()
            _raise_for(answer, server)
            job = answer.json()["data"]
            job_url = f"{prefix}/{list_id}/imports/{job['_id']}"
            while job["status"] not in TERMINAL:
                time.sleep(0.1)
                polled = client.get(job_url)
                _raise_for(polled, server)
                job = polled.json()["data"]
            observed_end = time.time()
        cpu_seconds = tree_cpu_seconds(server.pid) - cpu_before
    # The server stamps finishedAt to the millisecond; the poll sees it up to 0.1 s late.
    finished = _epoch(job["finishedAt"]) if job.get("finishedAt") else observed_end
    finished = min(max(finished, upload_ended), observed_end)
    if job["status"] != "succeeded":
        raise RuntimeError(
            f"import job ended {job['status']}: {json.dumps(job)}\n"
            f"--- server log (tail) ---\n{server.log_tail()}"
        )
    counts = job["counts"]
    placed = counts["added"] + counts["duplicate"] + counts["invalid"]
    if placed != source.rows or counts["read"] != source.rows:
        raise RuntimeError(f"counts do not add up to {source.rows:,} rows: {counts}")
    return ImportRun(
        list_id=list_id,
        job=job,
        upload_seconds=upload_ended - upload_started,
        job_seconds=finished - upload_ended,
        peak_rss=rss.peak,
        rss_samples=rss.samples,
        cpu_seconds=cpu_seconds,
    )
