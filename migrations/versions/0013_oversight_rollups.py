"""oversight rollups: the dashboard's counts kept per division, built here for existing cases

Revision ID: 0013_oversight_rollups
Revises: 0012
Create Date: 2026-12-01 12:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_oversight_rollups'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oversight_rollup',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('figure', sa.String(length=20), nullable=False),
        sa.Column('jurisdiction', sa.String(length=40), nullable=False),
        sa.Column('county', sa.String(length=40), nullable=True),
        sa.Column('process_key', sa.String(length=80), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=True),
        sa.Column('lane', sa.String(length=20), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('number', sa.Integer(), nullable=True),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('first_day', sa.String(length=10), nullable=True),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_oversight_rollup_scope', 'oversight_rollup',
                    ['figure', 'jurisdiction', 'county'])
    # The counts of the cases already there: the same recount as `oversight rebuild`.
    from app.services import oversight_rollups
    oversight_rollups.rebuild(op.get_bind())


def downgrade():
    op.drop_index('ix_oversight_rollup_scope', table_name='oversight_rollup')
    op.drop_table('oversight_rollup')
