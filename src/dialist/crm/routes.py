"""HTTP routes of CRM contacts (contract §4)."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
