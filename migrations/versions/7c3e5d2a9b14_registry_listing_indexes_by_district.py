"""The registry's listing order within a district, for its district filter

Revision ID: 7c3e5d2a9b14
Revises: 9fbdfd6c98b2
Create Date: 2026-12-07 12:24:22.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e5d2a9b14'
down_revision = '9fbdfd6c98b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_craftsman_titles_district_listing_pinyin', 'craftsman_titles',
                    ['district', sa.text('year DESC'), 'name_pinyin', 'id', 'level'], unique=False)
    op.create_index('ix_craftsman_titles_district_listing_strokes', 'craftsman_titles',
                    ['district', sa.text('year DESC'), 'name_strokes', 'id', 'level'], unique=False)


def downgrade():
    op.drop_index('ix_craftsman_titles_district_listing_strokes', table_name='craftsman_titles')
    op.drop_index('ix_craftsman_titles_district_listing_pinyin', table_name='craftsman_titles')
