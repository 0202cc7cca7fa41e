"""Alembic environment for the central service.

Migrations are run from code (``central.migrate.upgrade``), which hands over an open connection in
``config.attributes["connection"]``; there is no alembic.ini to keep in sync with the service's
own database URL handling.
"""

from __future__ import annotations

from alembic import context

from central.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
    raise RuntimeError("run migrations with `kiosk-central migrate`, not the alembic command line")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
