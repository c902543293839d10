"""Review panels have a deadline for the experts' sheets

Revision ID: 04d265679c33
Revises: 2a91e950f9a0
Create Date: 2026-12-07 02:00:35.200817

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '04d265679c33'
down_revision = '2a91e950f9a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_panels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('review_panels', schema=None) as batch_op:
        batch_op.drop_column('deadline')
