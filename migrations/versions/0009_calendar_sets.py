"""calendar sets: each state-changing event names the override set its step was computed with

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_set',
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('days', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('hash'),
    )
    # Existing events keep no set (NULL): their hashes stay as they were, and they replay
    # on the overrides of the day (docs/OPERATIONS.md).
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('calendar')
    op.drop_table('calendar_set')
