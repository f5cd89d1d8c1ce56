"""Alembic environment: the caller passes an open connection (see evaluator.store.database.migrate)."""

from alembic import context

from evaluator.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
