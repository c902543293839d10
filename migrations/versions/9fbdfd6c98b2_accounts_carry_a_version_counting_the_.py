"""Accounts carry a version counting the edits of their fields

Revision ID: 9fbdfd6c98b2
Revises: d4e19c7a5b20
Create Date: 2026-12-07 04:48:14.438728

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9fbdfd6c98b2'
down_revision = 'd4e19c7a5b20'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts start at version 1, as new ones do.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('version')
