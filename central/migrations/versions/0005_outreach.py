"""outreach stations, their sealed batches and the batches' entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outreach_stations",
        sa.Column("station_id", sa.String(length=8), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["kiosks.id"]),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.create_table(
        "outreach_batches",
        sa.Column("batch_id", sa.String(length=24), nullable=False),
        sa.Column("station_id", sa.String(length=8), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("envelope_sha256", sa.String(length=64), nullable=False),
        sa.Column("details", sa.LargeBinary(), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("received_via", sa.String(length=8), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("filed_count", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("not_served_count", sa.Integer(), nullable=False),
        sa.Column("group_payment_reference", sa.String(length=32), nullable=True),
        sa.Column("group_payment_fen", sa.Integer(), nullable=False),
        sa.Column("group_payment", sa.LargeBinary(), nullable=True),
        sa.Column("complete_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["outreach_stations.station_id"]),
        sa.PrimaryKeyConstraint("batch_id"),
        sa.UniqueConstraint("group_payment_reference"),
    )
    with op.batch_alter_table("outreach_batches") as batch_op:
        batch_op.create_index("ix_outreach_batches_station_id", ["station_id"], unique=False)
    op.create_table(
        "outreach_entries",
        sa.Column("batch_id", sa.String(length=24), nullable=False),
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("application_no", sa.String(length=18), nullable=True),
        sa.Column("officer_id", sa.String(length=16), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("payment_mode", sa.String(length=8), nullable=True),
        sa.Column("refusal_reason", sa.String(length=40), nullable=True),
        sa.Column("refusal", sa.LargeBinary(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("received_via", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["outreach_batches.batch_id"]),
        sa.PrimaryKeyConstraint("batch_id", "index"),
    )
    with op.batch_alter_table("outreach_entries") as batch_op:
        batch_op.create_index("ix_outreach_entries_application_no", ["application_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outreach_entries") as batch_op:
        batch_op.drop_index("ix_outreach_entries_application_no")
    op.drop_table("outreach_entries")
    with op.batch_alter_table("outreach_batches") as batch_op:
        batch_op.drop_index("ix_outreach_batches_station_id")
    op.drop_table("outreach_batches")
    op.drop_table("outreach_stations")
