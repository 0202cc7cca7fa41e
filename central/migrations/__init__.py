"""Alembic migration environment and revisions of the central service schema."""
