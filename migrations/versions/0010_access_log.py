"""access log: what auditors and administrators read, journaled

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('username', sa.String(length=80), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('case_ref', sa.String(length=30), nullable=True),
        sa.Column('jurisdiction', sa.String(length=40), nullable=True),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('access_entry', schema=None) as batch_op:
        batch_op.create_index('ix_access_entry_username', ['username'], unique=False)
        batch_op.create_index('ix_access_entry_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_access_entry_jurisdiction_at', ['jurisdiction', 'at'],
                              unique=False)


def downgrade():
    op.drop_table('access_entry')
