"""process options: follow-up, starting lane's parent states, settings, legal basis

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options', sa.JSON(), nullable=False,
                                      server_default='{}'))


def downgrade():
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_column('options')
