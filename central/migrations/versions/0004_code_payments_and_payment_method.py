"""mobile payment codes (code_payments, code_payment_events); how each application was paid
(card / code / counter) on the application, its payments and its timeline

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_payments",
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.String(length=8), nullable=False),
        sa.Column("application_no", sa.String(length=18), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("wallet", sa.String(length=16), nullable=False),
        sa.Column("code_masked", sa.String(length=32), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("gateway_txn_id", sa.String(length=64), nullable=False),
        sa.Column("result_code", sa.String(length=32), nullable=False),
        sa.Column("charged_fen", sa.Integer(), nullable=False),
        sa.Column("refunded_fen", sa.Integer(), nullable=False),
        sa.Column("refund_reference", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("attached_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=False),
        sa.Column("lease_owner", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
    )
    with op.batch_alter_table("code_payments") as batch_op:
        batch_op.create_index("ix_code_payments_kiosk_id", ["kiosk_id"], unique=False)
        batch_op.create_index("ix_code_payments_application_no", ["application_no"], unique=False)
        batch_op.create_index("ix_code_payments_state", ["state"], unique=False)
        batch_op.create_index("ix_code_payments_created_at", ["created_at"], unique=False)
    op.create_table(
        "code_payment_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("code_payment_events") as batch_op:
        batch_op.create_index("ix_code_payment_events_reference", ["reference"], unique=False)
    with op.batch_alter_table("applications") as batch_op:
        batch_op.add_column(sa.Column("payment_method", sa.String(length=16), nullable=True))
    with op.batch_alter_table("status_events") as batch_op:
        batch_op.add_column(sa.Column("payment_method", sa.String(length=16), nullable=True))
    with op.batch_alter_table("payments") as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=8), nullable=False, server_default="card"))
        batch_op.add_column(sa.Column("wallet", sa.String(length=16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("gateway_txn_id", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_column("gateway_txn_id")
        batch_op.drop_column("wallet")
        batch_op.drop_column("method")
    with op.batch_alter_table("status_events") as batch_op:
        batch_op.drop_column("payment_method")
    with op.batch_alter_table("applications") as batch_op:
        batch_op.drop_column("payment_method")
    op.drop_table("code_payment_events")
    op.drop_table("code_payments")
