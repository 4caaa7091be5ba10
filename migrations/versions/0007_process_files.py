"""process version forms: each version pins the form versions of its user tasks

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Versions published before have no pins: their cases use each form's latest version.
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forms', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_column('forms')
