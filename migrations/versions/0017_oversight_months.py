"""oversight rollups: ready tasks counted per deadline month too, found by an index

Revision ID: 0017_oversight_months
Revises: 0016_compact_state
Create Date: 2026-12-01 16:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_oversight_months'
down_revision = '0016_compact_state'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_oversight_rollup_year', 'oversight_rollup', ['figure', 'year'])
    # The ready tasks' rows now carry their deadline month, beside new per-month rows: the
    # same recount as `oversight rebuild`.
    from app.services import oversight_rollups
    oversight_rollups.rebuild(op.get_bind())


def downgrade():
    # The earlier code counts differently: run `flask --app app oversight rebuild` with it.
    op.drop_index('ix_oversight_rollup_year', table_name='oversight_rollup')
