"""Database access: engines per backend, the schema, and Alembic migrations."""
