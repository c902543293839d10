"""Indexes for list pages at city scale: ordered listing indexes, keyset indexes for the
audit log and, on PostgreSQL only, pg_trgm GIN indexes for substring search.

Revision ID: 411db3802b7c
Revises: cf121761f796
Create Date: 2026-12-06 23:40:11.500955

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '411db3802b7c'
down_revision = 'cf121761f796'
branch_labels = None
depends_on = None

#: (index, table, column): substring search on PostgreSQL; SQLite keeps its plain LIKE scan.
TRIGRAM_INDEXES = [
    ("ix_audit_entries_actor_name_trgm", "audit_entries", "actor_name"),
    ("ix_craftsman_titles_name_trgm", "craftsman_titles", "name"),
    ("ix_craftsman_titles_enterprise_name_trgm", "craftsman_titles", "enterprise_name"),
    ("ix_craftsman_titles_occupation_trgm", "craftsman_titles", "occupation"),
    ("ix_enterprises_name_trgm", "enterprises", "name"),
    ("ix_studios_name_trgm", "studios", "name"),
    ("ix_studios_number_trgm", "studios", "number"),
    ("ix_workers_name_trgm", "workers", "name"),
    ("ix_workers_occupation_trgm", "workers", "occupation"),
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_action')
        batch_op.drop_index('ix_audit_entries_created_at')
        batch_op.drop_index('ix_audit_entries_actor_id')
        batch_op.drop_index('ix_audit_entries_target_id')
        batch_op.drop_index('ix_audit_entries_target_type')
        batch_op.create_index('ix_audit_entries_action_listing', ['action', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_time_listing', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_actor_listing', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_target_listing', ['target_type', 'target_id', 'id'],
                              unique=False)

    op.create_index('ix_craftsman_titles_listing_pinyin', 'craftsman_titles',
                    [sa.text('year DESC'), 'name_pinyin', 'id'], unique=False)
    op.create_index('ix_craftsman_titles_listing_strokes', 'craftsman_titles',
                    [sa.text('year DESC'), 'name_strokes', 'id'], unique=False)
    op.create_index('ix_craftsman_titles_revoked_on', 'craftsman_titles', ['revoked_on'], unique=False)
    op.create_index('ix_enterprises_name', 'enterprises', ['name'], unique=False)
    op.create_index('ix_nominations_pool_listing', 'nominations',
                    [sa.text('cycle_id DESC'), 'occupation_id', 'qualified_at', 'id'], unique=False)
    op.create_index('ix_workers_enterprise_name', 'workers', ['enterprise_id', 'name', 'id'],
                    unique=False)

    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM_INDEXES:
            op.create_index(name, table, [column], unique=False, postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if _postgresql():
        for name, table, _column in reversed(TRIGRAM_INDEXES):
            op.drop_index(name, table_name=table)

    op.drop_index('ix_workers_enterprise_name', table_name='workers')
    op.drop_index('ix_nominations_pool_listing', table_name='nominations')
    op.drop_index('ix_enterprises_name', table_name='enterprises')
    op.drop_index('ix_craftsman_titles_revoked_on', table_name='craftsman_titles')
    op.drop_index('ix_craftsman_titles_listing_strokes', table_name='craftsman_titles')
    op.drop_index('ix_craftsman_titles_listing_pinyin', table_name='craftsman_titles')

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_target_listing')
        batch_op.drop_index('ix_audit_entries_actor_listing')
        batch_op.drop_index('ix_audit_entries_time_listing')
        batch_op.drop_index('ix_audit_entries_action_listing')
        batch_op.create_index('ix_audit_entries_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_audit_entries_target_type', ['target_type'], unique=False)
        batch_op.create_index('ix_audit_entries_target_id', ['target_id'], unique=False)
        batch_op.create_index('ix_audit_entries_actor_id', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_entries_action', ['action'], unique=False)
