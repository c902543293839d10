"""Seed players are chosen by the votes of an expert committee

Revision ID: aa98c984dc47
Revises: 04d265679c33
Create Date: 2026-12-07 02:07:55.129774

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aa98c984dc47'
down_revision = '04d265679c33'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('seed_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occupation_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_seed_votes_nomination_id_nominations')),
    sa.ForeignKeyConstraint(['occupation_id'], ['cycle_occupations.id'], name=op.f('fk_seed_votes_occupation_id_cycle_occupations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_seed_votes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seed_votes')),
    sa.UniqueConstraint('nomination_id', 'user_id', name='uq_seed_votes_member')
    )
    with op.batch_alter_table('seed_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seed_votes_occupation_id'), ['occupation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('seed_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seed_votes_occupation_id'))

    op.drop_table('seed_votes')