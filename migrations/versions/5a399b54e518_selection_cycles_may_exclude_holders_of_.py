"""Selection cycles may exclude holders of a title of the same or a higher level

Revision ID: 5a399b54e518
Revises: 0e2be72a069f
Create Date: 2026-12-06 23:35:42.310899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a399b54e518'
down_revision = '0e2be72a069f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('selection_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exclude_title_holders', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade():
    with op.batch_alter_table('selection_cycles', schema=None) as batch_op:
        batch_op.drop_column('exclude_title_holders')

