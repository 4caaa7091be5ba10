"""process drafts: four-eyes publishing, the origin of each version, its BPMN file name

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approver', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('base_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=20), nullable=False,
                                      server_default='files'))
        # Filled by the next `processes load` from meta.yaml.
        batch_op.add_column(sa.Column('file', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('draft_forms', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('problem_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), nullable=False,
                                      server_default='files'))
    # Every version so far was published by `processes load` when it was created; of each key
    # only the newest one is still what new cases start on.
    op.execute("UPDATE process_version SET published_at = created_at")
    op.execute("UPDATE process_version SET status = 'retired' WHERE status = 'published' AND "
               "version < (SELECT max(newer.version) FROM process_version AS newer "
               "WHERE newer.key = process_version.key AND newer.status = 'published')")


def downgrade():
    op.execute("UPDATE process_version SET status = 'published' WHERE status = 'retired'")
    op.execute("DELETE FROM process_version WHERE status = 'draft'")
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        for column in ('problem_count', 'draft_forms', 'file', 'origin', 'base_version', 'published_at',
                       'approved_at', 'approver'):
            batch_op.drop_column(column)
