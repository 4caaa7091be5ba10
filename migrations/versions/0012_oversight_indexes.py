"""oversight indexes: the dashboard's year ranges and per-year counts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = (
    ('case', 'ix_case_created_at', 'created_at'),
    ('case', 'ix_case_valid_from', 'valid_from'),
    ('case', 'ix_case_valid_until', 'valid_until'),
    ('work_item', 'ix_work_item_completed_at', 'completed_at'),
)


def upgrade():
    for table, name, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)


def downgrade():
    for table, name, _column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
