"""items applied for, shown with the progress; the catalogue survey version a questionnaire mirrors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# config/catalogue.json's survey.version: the default questionnaire (0001) was written from it.
DEFAULT_SURVEY_VERSION = "2026-01"


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch_op:
        batch_op.add_column(sa.Column("items", sa.JSON(), nullable=True))
    with op.batch_alter_table("questionnaires") as batch_op:
        batch_op.add_column(sa.Column("survey_version", sa.String(length=32), nullable=True))
    questionnaires = sa.table("questionnaires", sa.column("id", sa.String()),
                              sa.column("version", sa.Integer()), sa.column("survey_version", sa.String()))
    op.execute(questionnaires.update()
               .where(questionnaires.c.id == "satisfaction", questionnaires.c.version == 1)
               .values(survey_version=DEFAULT_SURVEY_VERSION))


def downgrade() -> None:
    with op.batch_alter_table("questionnaires") as batch_op:
        batch_op.drop_column("survey_version")
    with op.batch_alter_table("applications") as batch_op:
        batch_op.drop_column("items")
