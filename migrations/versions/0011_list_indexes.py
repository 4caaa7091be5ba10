"""list indexes: every list's filter and order, for keyset pages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

WORK_ITEM = {
    'ix_work_item_queue_due': ['status', 'lane', 'jurisdiction', 'due_at', 'created_at', 'id'],
    'ix_work_item_queue': ['status', 'lane', 'jurisdiction', 'county', 'due_at', 'created_at',
                           'id'],
    'ix_work_item_queue_title': ['status', 'lane', 'jurisdiction', 'title'],
    'ix_work_item_queue_county_title': ['status', 'lane', 'jurisdiction', 'county', 'title'],
    'ix_work_item_applicant': ['applicant_id', 'status'],
}
CASE = {
    'ix_case_list': ['updated_at', 'id'],
    'ix_case_list_jurisdiction': ['jurisdiction', 'updated_at', 'id'],
    'ix_case_list_county': ['jurisdiction', 'county', 'updated_at', 'id'],
    'ix_case_list_applicant': ['applicant_id', 'updated_at', 'id'],
}


# Partial: most rows hold NULL there, which the planner's statistics would take for an
# index not worth reading.
PARTIAL = {
    'ix_work_item_claimed': ('work_item', ['claimed_by_id', 'status'], 'claimed_by_id'),
    'ix_case_children': ('case', ['parent_id', 'id'], 'parent_id'),
}


def upgrade():
    # The old queue index (status, lane, jurisdiction, county) is a prefix of its successor.
    op.drop_index('ix_work_item_queue', table_name='work_item')
    for name, columns in WORK_ITEM.items():
        op.create_index(name, 'work_item', columns)
    for name, columns in CASE.items():
        op.create_index(name, 'case', columns)
    for name, (table, columns, column) in PARTIAL.items():
        where = sa.text(f'{column} IS NOT NULL')
        op.create_index(name, table, columns, sqlite_where=where, postgresql_where=where)


def downgrade():
    for name, (table, _columns, _column) in PARTIAL.items():
        op.drop_index(name, table_name=table)
    for name in CASE:
        op.drop_index(name, table_name='case')
    for name in WORK_ITEM:
        op.drop_index(name, table_name='work_item')
    op.create_index('ix_work_item_queue', 'work_item', ['status', 'lane', 'jurisdiction',
                                                       'county'])
