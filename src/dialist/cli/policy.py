"""``dialist policy show|set`` and ``dialist attempts add|ls``: calling policies (the stream's,
and a list's override) and call attempts, through the SDK over HTTP.

The server is the one judge of a policy's values (it names the field at fault, e.g.
``window.start``); the CLI only turns its flags into the JSON keys of the contract
(``api/dnc-contactability.md`` §3, §5).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from dialist.cli.data import Connection, _usage_error, connected, say, sdk_errors
from dialist.client import Client

policy_cli = typer.Typer(
    help="Calling policy: the stream's, or a list's override (show, set, clear).",
    no_args_is_help=True,
)
attempts_cli = typer.Typer(
    help="Call attempts of a contact: record one, list them.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
PolicyListOption = Annotated[
    str | None,
    typer.Option(
        "--list", "-l", help="A contact list (name or cl-… id): its override, not the stream's."
    ),
]


class Outcome(StrEnum):
    answered = "answered"
    no_answer = "noAnswer"
    busy = "busy"
    voicemail = "voicemail"
    failed = "failed"
    opt_out = "optOut"


# -- policy -----------------------------------------------------------------------------------


def _cap_text(cap: Any) -> str:
    if isinstance(cap, dict):
        hours = cap.get("withinHours")
        return f"{cap.get('max')} in {hours:g} h" if isinstance(hours, int | float) else str(cap)
    return str(cap)


def _value_text(key: str, value: Any) -> str:
    """One policy value as a person reads it."""
    if key == "window" and isinstance(value, dict):
        start, end = value.get("start", "(stream)"), value.get("end", "(stream)")
        return f"{start} to {end} (the contact's local time)"
    if key == "attemptCaps" and isinstance(value, list):
        return ", ".join(_cap_text(cap) for cap in value) or "none"
    if key in ("days", "holidays") and isinstance(value, list):
        return " ".join(str(v) for v in value) or "none"
    if key == "jurisdictionRules":
        return "on" if value else "off"
    if key == "endBufferMinutes":
        return f"{value} min before the window closes"
    return str(value)


_LABELS = {
    "window": "window",
    "days": "days",
    "holidays": "holidays",
    "jurisdictionRules": "jurisdiction rules",
    "endBufferMinutes": "end buffer",
    "unknownTimeZone": "unknown time zone",
    "attemptCaps": "attempt caps",
}


def _print_policy(policy: dict[str, Any], overridden: frozenset[str] = frozenset()) -> None:
    for key, value in policy.items():
        label = _LABELS.get(key, key)
        mark = "  (list)" if key in overridden else ""
        say(f"  {label:<19} {escape(_value_text(key, value))}{mark}")


def _show(client: Client, list_ref: str | None, as_json: bool) -> None:
    if list_ref is None:
        policy = client.calling_policy()
        if as_json:
            print(json.dumps(policy))
            return
        say(f"calling policy of stream {client.stream_id}")
        _print_policy(policy)
        return
    contact_list = client.find_list(list_ref)
    answer = client.list_calling_policy(contact_list["_id"])
    if as_json:
        print(json.dumps(answer))
        return
    override = answer["override"]
    say(f"calling policy of list {escape(contact_list['name'])} ({contact_list['_id']})")
    if override is None:
        say("  no override: the stream's policy applies")
    else:
        say(f"  override of {', '.join(sorted(override))}; the rest from the stream")
    _print_policy(dict(answer["effective"]), frozenset(override or ()))


@policy_cli.command("show")
@connected
def policy_show(
    list_ref: PolicyListOption = None, as_json: JsonFlag = False, *, connection: Connection
) -> None:
    """Show the stream's calling policy, or with --list a list's override.

    The stream's is the defaults until one is set; a list's shows the keys it overrides and
    the policy its contacts are called under.
    """
    with sdk_errors(), connection.client() as client:
        _show(client, list_ref, as_json)


def _read_policy_file(source: str) -> dict[str, Any]:
    """A JSON object from a file, or from stdin for ``-``."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _usage_error(f"no such file: {source}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _usage_error(f"cannot read {source}: {error}") from None
    try:
        given = json.loads(text)
    except json.JSONDecodeError as error:
        where = "stdin" if source == "-" else source
        raise _usage_error(f"{where} is not JSON: {error}") from None
    if not isinstance(given, dict):
        raise _usage_error("the policy must be a JSON object (for --list, the keys to change)")
    return given


def _window(text: str) -> dict[str, str]:
    """``09:00-17:00`` → both ends; ``09:00-`` or ``-17:00`` → one end (a list's override
    keeps the other from the stream)."""
    start, sep, end = text.partition("-")
    if not sep or not (start.strip() or end.strip()):
        raise _usage_error("--window must be START-END, START- or -END, e.g. 09:00-17:00")
    window = {"start": start.strip(), "end": end.strip()}
    return {k: v for k, v in window.items() if v}


def _items(text: str) -> list[str]:
    """``mon,tue wed`` → ``["mon", "tue", "wed"]``; an empty text is an empty list."""
    return [part for part in text.replace(",", " ").split() if part]


def _cap(text: str) -> dict[str, Any]:
    """``3/24`` → at most 3 attempts within 24 hours."""
    count, sep, hours = text.partition("/")
    try:
        if not sep:
            raise ValueError(text)
        return {"max": int(count), "withinHours": _number(hours)}
    except ValueError:
        raise _usage_error(f"--cap must be MAX/HOURS such as 3/24 (got {text!r})") from None


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _flag_changes(
    *,
    window: str | None,
    days: str | None,
    holidays: str | None,
    end_buffer: int | None,
    caps: list[str] | None,
    no_caps: bool,
    unknown_time_zone: str | None,
    jurisdiction_rules: bool | None,
) -> dict[str, Any]:
    """The policy keys the flags set (JSON spelling)."""
    if caps and no_caps:
        raise _usage_error("--cap and --no-caps cannot be used together")
    changes: dict[str, Any] = {}
    if window is not None:
        changes["window"] = _window(window)
    if days is not None:
        changes["days"] = _items(days)
    if holidays is not None:
        changes["holidays"] = _items(holidays)
    if end_buffer is not None:
        changes["endBufferMinutes"] = end_buffer
    if caps or no_caps:
        changes["attemptCaps"] = [_cap(cap) for cap in caps or []]
    if unknown_time_zone is not None:
        changes["unknownTimeZone"] = unknown_time_zone
    if jurisdiction_rules is not None:
        changes["jurisdictionRules"] = jurisdiction_rules
    return changes


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the flags' keys on top; a window flag giving one end keeps the other."""
    policy = dict(base)
    for key, value in changes.items():
        current = policy.get("window")
        if key == "window" and isinstance(current, dict):
            value = {**current, **value}
        policy[key] = value
    return policy


@policy_cli.command("set")
@connected
def policy_set(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="[FILE|-]",
            help="A JSON policy (- for stdin): the stream's whole policy, or with --list the "
            "list's whole override.",
        ),
    ] = None,
    list_ref: PolicyListOption = None,
    window: Annotated[
        str | None,
        typer.Option(metavar="START-END", help="Calling window, local time: 09:00-17:00."),
    ] = None,
    days: Annotated[
        str | None, typer.Option(metavar="DAYS", help="Days allowed: mon,tue,wed,thu,fri.")
    ] = None,
    holidays: Annotated[
        str | None,
        typer.Option(metavar="DATES", help="Dates never called: 2026-12-25,2027-01-01 ('' none)."),
    ] = None,
    end_buffer: Annotated[
        int | None,
        typer.Option(metavar="MINUTES", help="Stop this many minutes before the window ends."),
    ] = None,
    caps: Annotated[
        list[str] | None,
        typer.Option(
            "--cap", metavar="MAX/HOURS", help="Attempt cap per number, e.g. 3/24; repeatable."
        ),
    ] = None,
    no_caps: Annotated[bool, typer.Option("--no-caps", help="No attempt caps.")] = False,
    unknown_time_zone: Annotated[
        str | None,
        typer.Option(metavar="block|ZONE", help="No zone known: block, or a zone to assume."),
    ] = None,
    jurisdiction_rules: Annotated[
        bool | None,
        typer.Option(
            "--jurisdiction-rules/--no-jurisdiction-rules",
            help="Apply the built-in US/Canada rules on top.",
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the list's override (with --list).")
    ] = False,
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """Set the stream's calling policy, or with --list a list's override (or --clear it).

    FILE replaces the policy (a key it leaves out takes its default) or the list's override
    (the keys it sets); the flags then change keys of FILE's, or else of the current one.
    """
    changes = _flag_changes(
        window=window,
        days=days,
        holidays=holidays,
        end_buffer=end_buffer,
        caps=caps,
        no_caps=no_caps,
        unknown_time_zone=unknown_time_zone,
        jurisdiction_rules=jurisdiction_rules,
    )
    if clear and list_ref is None:
        raise _usage_error("--clear removes a list's override: name the list with --list")
    if clear and (source is not None or changes):
        raise _usage_error("--clear takes no FILE and no policy flags")
    if not clear and source is None and not changes:
        raise _usage_error("nothing to set: give a FILE (or -), policy flags, or --clear")
    given = _read_policy_file(source) if source is not None else None
    with sdk_errors(), connection.client() as client:
        if list_ref is None:
            base = given if given is not None else client.calling_policy()
            client.put_calling_policy(_changed(base, changes))
            _show(client, None, as_json)
            return
        list_id = client.find_list(list_ref)["_id"]
        if clear:
            client.put_list_calling_policy(list_id, None)
        else:
            if given is None:
                given = dict(client.list_calling_policy(list_id)["override"] or {})
            client.put_list_calling_policy(list_id, _changed(given, changes))
        _show(client, list_id, as_json)


# -- attempts ---------------------------------------------------------------------------------

ListOption = Annotated[
    str, typer.Option("--list", "-l", help="The contact list: its name or its id (cl-…).")
]
ContactOption = Annotated[
    str, typer.Option("--contact", "-c", metavar="CONTACT", help="The contact's id (cc-…).")
]


def _attempt_line(attempt: Any) -> str:
    note = attempt.get("note")
    return (
        f"{attempt.get('_id')}  {attempt.get('at')}  {attempt.get('outcome')}  "
        f"{attempt.get('e164') or '-'}" + (f"  {escape(str(note))}" if note else "")
    )


@attempts_cli.command("add")
@connected
def attempts_add(
    list_ref: ListOption,
    contact: ContactOption,
    outcome: Annotated[Outcome, typer.Option(help="What became of the call.")],
    at: Annotated[
        str | None, typer.Option(help="When (ISO 8601 with offset or Z; default now).")
    ] = None,
    phone_number: Annotated[
        str | None, typer.Option(help="The number dialled (default the contact's).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note (≤1,000 characters).")] = None,
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """Record a call attempt; optOut also puts the number on the stream's DNC list Opt-outs."""
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"]
        attempt = client.record_attempt(
            list_id, contact, outcome=outcome.value, at=at, phone_number=phone_number, note=note
        )
    if as_json:
        print(json.dumps(attempt))
        return
    say(f"recorded {_attempt_line(attempt)}")
    if outcome is Outcome.opt_out:
        say(
            f"{attempt.get('e164') or 'the number'} is now on the stream's DNC list Opt-outs: "
            "blocked in every list of the stream"
        )


@attempts_cli.command("ls")
@connected
def attempts_ls(
    list_ref: ListOption,
    contact: ContactOption,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 100,
    as_json: JsonFlag = False,
    *,
    connection: Connection,
) -> None:
    """A contact's call attempts, newest first (--json: one JSON object a line)."""
    with sdk_errors(), connection.client() as client:
        list_id = client.find_list(list_ref)["_id"]
        found = client.attempts(list_id, contact, limit=limit)
    if as_json:
        for attempt in found:
            print(json.dumps(attempt))
        return
    if not found:
        say("no attempts")
    for attempt in found:
        say(_attempt_line(attempt))
