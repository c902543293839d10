"""Measurement aspects state their unit

Revision ID: 2a91e950f9a0
Revises: bbaeba0aa702
Create Date: 2026-12-07 01:53:02.018621

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2a91e950f9a0'
down_revision = 'bbaeba0aa702'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scheme_aspects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=16), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('scheme_aspects', schema=None) as batch_op:
        batch_op.drop_column('unit')
