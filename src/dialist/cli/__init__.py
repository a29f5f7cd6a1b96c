"""The ``dialist`` command: admin commands beside the database (``admin``) and data commands
through the SDK over HTTP (``data``, ``imports``, ``dnc``, ``contactability``)."""

from __future__ import annotations

import typer

from dialist.cli import admin, contactability, data, dnc, imports

app = typer.Typer(help="dialist: Kore.ai-compatible contact-list service.", no_args_is_help=True)
for part in (admin.app, data.app, contactability.app):
    app.registered_commands += part.registered_commands
    app.registered_groups += part.registered_groups
app.add_typer(imports.imports_cli, name="imports")
app.add_typer(dnc.dnc_cli, name="dnc")


def main() -> None:
    """Entry point of the ``dialist`` script."""
    app()
