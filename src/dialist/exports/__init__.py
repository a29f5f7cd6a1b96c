"""Streaming exports of a whole contact list (CSV, NDJSON)."""
