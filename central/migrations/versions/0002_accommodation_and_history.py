"""accommodation registrations; item history per applicant

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applicant_history",
        sa.Column("id_number_key", sa.String(length=64), nullable=False),
        sa.Column("item_codes", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_number_key"),
    )
    op.create_table(
        "accommodation_registrations",
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=8), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("consent_version", sa.String(length=16), nullable=False),
        sa.Column("arrival", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
        sa.UniqueConstraint("kiosk_id", "idempotency_key", name="uq_accommodation_idempotency"),
    )
    with op.batch_alter_table("accommodation_registrations") as batch_op:
        batch_op.create_index("ix_accommodation_registrations_kiosk_id", ["kiosk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("accommodation_registrations") as batch_op:
        batch_op.drop_index("ix_accommodation_registrations_kiosk_id")
    op.drop_table("accommodation_registrations")
    op.drop_table("applicant_history")
