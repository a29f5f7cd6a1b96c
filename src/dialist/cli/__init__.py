"""The ``dialist`` command: admin commands beside the database (``admin``) and data commands
through the SDK over HTTP (``data``, ``imports``)."""

from __future__ import annotations

import typer

from dialist.cli import admin, data, imports

app = typer.Typer(help="dialist: Kore.ai-compatible contact-list service.", no_args_is_help=True)
for part in (admin.app, data.app):
    app.registered_commands += part.registered_commands
    app.registered_groups += part.registered_groups
app.add_typer(imports.imports_cli, name="imports")


def main() -> None:
    """Entry point of the ``dialist`` script."""
    app()
