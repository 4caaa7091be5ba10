"""reference stamps: a random stamp per reference table, renewed by triggers on every change

Revision ID: 0018_reference_stamps
Revises: 0017_oversight_months
Create Date: 2026-12-02 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_reference_stamps'
down_revision = '0017_oversight_months'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reference_stamp',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'))
    from app.models import install_reference_stamps
    install_reference_stamps(op.get_bind())


def downgrade():
    from app.models import reference_trigger_drops
    for statement in reference_trigger_drops(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('reference_stamp')
