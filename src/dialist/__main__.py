"""``python -m dialist`` runs the CLI."""

from dialist import main

main()
