"""administrative divisions: a jurisdiction's own division, cities and levels; a user's city

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('division', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('cities', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('levels', sa.JSON(), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('city')
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.drop_column('levels')
        batch_op.drop_column('cities')
        batch_op.drop_column('division')
