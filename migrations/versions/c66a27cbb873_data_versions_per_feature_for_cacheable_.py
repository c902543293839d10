"""Data versions per feature for cacheable public pages: a counter per feature package,
bumped by every commit that changes the feature's shown data (see core.public_cache).

Revision ID: c66a27cbb873
Revises: aa98c984dc47
Create Date: 2026-12-07 02:03:51.821683

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c66a27cbb873'
down_revision = 'aa98c984dc47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_versions',
    sa.Column('feature', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('feature', name=op.f('pk_data_versions'))
    )


def downgrade():
    op.drop_table('data_versions')
