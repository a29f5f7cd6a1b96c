"""Alembic environment: runs migrations on the engine handed over by ``dialist.db.migrate``."""

from __future__ import annotations

from alembic import context

from dialist.db.schema import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        context.run_migrations()
        connection.exec_driver_sql("COMMIT")
    else:
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
