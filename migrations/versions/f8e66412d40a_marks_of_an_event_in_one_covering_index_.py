"""Marks of an event in one covering index for results and judge analytics.

The index on event_id alone is replaced: every query by event starts with the new one.

Revision ID: f8e66412d40a
Revises: 5a399b54e518
Create Date: 2026-12-07 01:59:20.174052

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f8e66412d40a'
down_revision = '5a399b54e518'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marks', schema=None) as batch_op:
        batch_op.create_index('ix_marks_event_marks', ['event_id', 'contestant_id', 'aspect_id', 'judge_id', 'entry', 'value'], unique=False)
        batch_op.drop_index(batch_op.f('ix_marks_event_id'))


def downgrade():
    with op.batch_alter_table('marks', schema=None) as batch_op:
        batch_op.drop_index('ix_marks_event_marks')
        batch_op.create_index(batch_op.f('ix_marks_event_id'), ['event_id'], unique=False)
