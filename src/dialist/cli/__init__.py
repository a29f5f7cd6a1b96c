"""The ``dialist`` command: admin commands beside the database (``admin``) and data commands
through the SDK over HTTP (``data``, ``imports``, ``dnc``, ``contactability``)."""

from __future__ import annotations

import typer

from dialist.cli import admin, contactability, data, dnc, imports, policy, standin
from dialist.cli import dnc_files as dnc_files  # registers `dialist dnc import|export|…`
from dialist.cli import dnc_scrub as dnc_scrub  # registers `dialist dnc scrub`
from dialist.cli import lists as lists  # registers `dialist lists ls|create|show|delete`

app = typer.Typer(help="dialist: Kore.ai-compatible contact-list service.", no_args_is_help=True)
for part in (admin.app, data.app, contactability.app, standin.app):
    app.registered_commands += part.registered_commands
    app.registered_groups += part.registered_groups
app.add_typer(imports.imports_cli, name="imports")
app.add_typer(dnc.dnc_cli, name="dnc")
app.add_typer(policy.policy_cli, name="policy")
app.add_typer(policy.attempts_cli, name="attempts")


def main() -> None:
    """Entry point of the ``dialist`` script."""
    app()
