"""applicant accounts: the contact telephone apart from the contact person

Revision ID: 0014_contact_phone
Revises: 0013_oversight_rollups
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_contact_phone'
down_revision = '0013_oversight_rollups'
branch_labels = None
depends_on = None


def upgrade():
    # Earlier accounts keep "name phone" in `contact`; they are read as they are
    # (app/services/prefill.py splits them for the application form).
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
