"""``python -m dialist`` runs the CLI."""

from dialist.cli import main

main()
