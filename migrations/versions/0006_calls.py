"""calls for applications (申报批次) and the call of each case

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'call',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=80), nullable=False),
        sa.Column('jurisdiction', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('opens_on', sa.Date(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('recommend_by', sa.Date(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_key', 'year'),
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_process_key'), ['process_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_jurisdiction'), ['jurisdiction'], unique=False)
    # On SQLite a plain ADD COLUMN with REFERENCES inline: a batch copy of the table would
    # reflect the user table's expression index on the way (which SQLAlchemy cannot).
    if op.get_context().dialect.name == 'sqlite':
        op.execute('ALTER TABLE "case" ADD COLUMN call_id INTEGER REFERENCES call (id)')
    else:
        op.add_column('case', sa.Column('call_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_case_call_id_call', 'case', 'call', ['call_id'], ['id'])
    op.create_index(op.f('ix_case_call_id'), 'case', ['call_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_call_id'), table_name='case')
    with op.batch_alter_table('case', schema=None) as batch_op:
        if op.get_context().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_case_call_id_call', type_='foreignkey')
        batch_op.drop_column('call_id')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_jurisdiction'))
        batch_op.drop_index(batch_op.f('ix_call_process_key'))
    op.drop_table('call')
