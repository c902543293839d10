"""Contestants out of the competition with a reason; conflicts declared after the draw wait for the chief judge

Existing conflicts stay in force (state 'accepted').

Revision ID: 0e2be72a069f
Revises: fb62c50309e8
Create Date: 2026-12-06 22:58:50.561014

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0e2be72a069f'
down_revision = 'fb62c50309e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contestants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status_changed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contestants_status_changed_by_id_users'), 'users', ['status_changed_by_id'], ['id'])

    with op.batch_alter_table('judge_conflicts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='accepted'))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decision_note', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_judge_conflicts_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('judge_conflicts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_judge_conflicts_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('decision_note')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('state')

    with op.batch_alter_table('contestants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contestants_status_changed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status_changed_by_id')
        batch_op.drop_column('status_reason')

