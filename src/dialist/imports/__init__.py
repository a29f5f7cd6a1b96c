"""Bulk imports: upload, durable job, check, map, normalise, dedupe, insert, per-row results."""
