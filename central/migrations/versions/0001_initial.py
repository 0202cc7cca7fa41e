"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# The questionnaire a new installation starts with: the catalogue's survey (config/catalogue.json,
# survey version 2026-01), so answers from the kiosk's survey screen can be sent as they are.
def _choices(*options: tuple[str, str, str]) -> list[dict[str, object]]:
    return [{"id": code, "text": {"zh": zh, "en": en}} for code, zh, en in options]


DEFAULT_QUESTIONNAIRE = {
    "id": "satisfaction",
    "version": 1,
    "active": True,
    "title": {"zh": "服务满意度调查", "en": "Service satisfaction survey"},
    "questions": [
        {"id": "overall", "kind": "choice", "required": True,
         "text": {"zh": "您对本次服务总体是否满意？", "en": "How satisfied are you with the service overall?"},
         "choices": _choices(("5", "非常满意", "Very satisfied"), ("4", "满意", "Satisfied"), ("3", "一般", "Neutral"),
                             ("2", "不满意", "Dissatisfied"), ("1", "非常不满意", "Very dissatisfied"))},
        {"id": "waiting", "kind": "choice", "required": False,
         "text": {"zh": "等候时间是否合理？", "en": "Was the waiting time reasonable?"},
         "choices": _choices(("yes", "合理", "Yes"), ("no", "太长", "Too long"))},
        {"id": "staff", "kind": "choice", "required": False,
         "text": {"zh": "工作人员服务态度如何？", "en": "How were the staff?"},
         "choices": _choices(("good", "好", "Good"), ("fair", "一般", "Fair"), ("poor", "差", "Poor"),
                             ("none", "未接触", "Did not deal with staff"))},
        {"id": "self_service", "kind": "choice", "required": False,
         "text": {"zh": "自助设备是否易于使用？", "en": "Was the kiosk easy to use?"},
         "choices": _choices(("easy", "容易", "Easy"), ("ok", "还可以", "OK"), ("hard", "困难", "Hard"))},
    ],
}


def upgrade() -> None:
    op.create_table('appointment_slots',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('end_time', sa.String(length=5), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service', 'day', 'start_time', name='uq_slots_service_day_start')
    )
    with op.batch_alter_table('appointment_slots', schema=None) as batch_op:
        batch_op.create_index('ix_slots_service_day', ['service', 'day'], unique=False)

    op.create_table('kiosks',
    sa.Column('id', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('secret_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('last_health', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('body_zh', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    questionnaires = op.create_table('questionnaires',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(questionnaires, [DEFAULT_QUESTIONNAIRE])
    op.create_table('request_nonces',
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('seen_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('signature')
    )
    with op.batch_alter_table('request_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_nonces_seen_at'), ['seen_at'], unique=False)

    op.create_table('reusable_photos',
    sa.Column('id_number_key', sa.String(length=64), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('jpeg_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('application_no', sa.String(length=18), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_number_key')
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_no', sa.String(length=18), nullable=False),
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('phone_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_no', 'event', name='uq_sms_application_event')
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_state', ['state'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('questionnaire_id', sa.String(length=32), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('application_no', sa.String(length=18), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kiosk_id', 'idempotency_key', name='uq_survey_idempotency')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_kiosk_id'), ['kiosk_id'], unique=False)

    op.create_table('applications',
    sa.Column('application_no', sa.String(length=18), nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('access_token_hash', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=64), nullable=False),
    sa.Column('collection_method', sa.String(length=8), nullable=False),
    sa.Column('green_channel', sa.Boolean(), nullable=False),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('expected_ready_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('stage_changed_at', sa.DateTime(), nullable=False),
    sa.Column('tracking_no', sa.String(length=64), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('sealed_details', sa.LargeBinary(), nullable=False),
    sa.Column('verification_hash', sa.String(length=64), nullable=True),
    sa.Column('failed_lookups', sa.Integer(), nullable=False),
    sa.Column('lookup_locked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.PrimaryKeyConstraint('application_no'),
    sa.UniqueConstraint('kiosk_id', 'idempotency_key', name='uq_applications_idempotency')
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_kiosk_id'), ['kiosk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_received_at'), ['received_at'], unique=False)

    op.create_table('appointments',
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sealed_applicant', sa.LargeBinary(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slots.id'], ),
    sa.PrimaryKeyConstraint('reference'),
    sa.UniqueConstraint('kiosk_id', 'idempotency_key', name='uq_appointments_idempotency')
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_slot_id'), ['slot_id'], unique=False)

    op.create_table('heartbeats',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('health', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_heartbeats_kiosk_id'), ['kiosk_id'], unique=False)

    op.create_table('reconciliation_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kiosk_id', 'day', name='uq_reconciliation_kiosk_day')
    )
    op.create_table('staff_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_staff_id'), ['staff_id'], unique=False)

    op.create_table('payments',
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('application_no', sa.String(length=18), nullable=False),
    sa.Column('kiosk_id', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('terminal_id', sa.String(length=32), nullable=False),
    sa.Column('auth_code', sa.String(length=16), nullable=False),
    sa.Column('card_masked', sa.String(length=32), nullable=False),
    sa.Column('trace_no', sa.String(length=16), nullable=False),
    sa.Column('batch_no', sa.String(length=16), nullable=False),
    sa.Column('rrn', sa.String(length=32), nullable=False),
    sa.Column('merchant_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['application_no'], ['applications.application_no'], ),
    sa.PrimaryKeyConstraint('reference')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_application_no'), ['application_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_kiosk_id'), ['kiosk_id'], unique=False)

    op.create_table('status_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_no', sa.String(length=18), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('tracking_no', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['application_no'], ['applications.application_no'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_events_application_no'), ['application_no'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_events_application_no'))

    op.drop_table('status_events')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_kiosk_id'))
        batch_op.drop_index(batch_op.f('ix_payments_application_no'))

    op.drop_table('payments')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_staff_id'))

    op.drop_table('staff_sessions')
    op.drop_table('reconciliation_reports')
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_heartbeats_kiosk_id'))

    op.drop_table('heartbeats')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_slot_id'))

    op.drop_table('appointments')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_received_at'))
        batch_op.drop_index(batch_op.f('ix_applications_kiosk_id'))

    op.drop_table('applications')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_kiosk_id'))

    op.drop_table('survey_responses')
    op.drop_table('staff_users')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_state')

    op.drop_table('sms_messages')
    op.drop_table('reusable_photos')
    with op.batch_alter_table('request_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_nonces_seen_at'))

    op.drop_table('request_nonces')
    op.drop_table('questionnaires')
    op.drop_table('notices')
    op.drop_table('kiosks')
    with op.batch_alter_table('appointment_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_slots_service_day')

    op.drop_table('appointment_slots')
