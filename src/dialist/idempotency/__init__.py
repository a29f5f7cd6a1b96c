"""Idempotent writes: ``Idempotency-Key`` on every POST, PUT, PATCH and DELETE (contract §4)."""
