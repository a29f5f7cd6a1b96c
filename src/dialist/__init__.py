"""dialist: a contact-list service that speaks the Kore.ai Campaign Management API."""

__version__ = "0.1.0"


def main() -> None:
    """The ``dialist`` script: the CLI, loaded here so that Ctrl-C while its modules load (a
    second or so) ends the command quietly, as Ctrl-C does once it runs."""
    try:
        from dialist.cli import main as cli_main
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    cli_main()
