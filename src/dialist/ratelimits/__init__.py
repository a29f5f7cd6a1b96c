"""Per-app rate limits shared by every process of a deployment: leases of a per-minute budget
taken from a counter row in the database, spent locally."""
