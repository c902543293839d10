"""Certificates: achievement key, public revocation category, serial series

Existing certificates keep an empty achievement key (their credentials keep the kind's old
achievement id, which their signatures cover) and an empty category (the public page then says
"corrected" for replaced ones and "withdrawn" for revoked ones, never the internal reason).
A series (district and industry craftsmen) numbers its serials on its own: the sequence is
unique per kind, series and year; existing certificates are in the main series ("").

Revision ID: 603e08561fcf
Revises: 4d529c3065c9
Create Date: 2026-12-06 23:00:05.460144

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '603e08561fcf'
down_revision = '4d529c3065c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('achievement_key', sa.String(length=80), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('revoke_category', sa.String(length=24), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_certificates_achievement_key'), ['achievement_key'], unique=False)
        batch_op.add_column(sa.Column('series', sa.String(length=24), nullable=False, server_default=''))
        batch_op.drop_constraint('uq_certificates_sequence', type_='unique')
        batch_op.create_unique_constraint('uq_certificates_series_sequence',
                                          ['kind', 'series', 'year', 'sequence'])


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificates_series_sequence', type_='unique')
        batch_op.create_unique_constraint('uq_certificates_sequence', ['kind', 'year', 'sequence'])
        batch_op.drop_column('series')
        batch_op.drop_index(batch_op.f('ix_certificates_achievement_key'))
        batch_op.drop_column('revoke_category')
        batch_op.drop_column('achievement_key')
