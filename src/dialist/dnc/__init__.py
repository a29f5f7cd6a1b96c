"""Do-not-call lists, their entries, and the check of numbers against them
(api/dnc-contactability.md §1-2)."""
