"""files and accounts: deleted attachments kept for the journal, users' e-mail addresses

Revision ID: 0015_files_accounts
Revises: 0014_contact_phone
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_files_accounts'
down_revision = '0014_contact_phone'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: a batch copy would reflect `user`, whose expression index SQLite
    # cannot reflect. The deleting user's id needs no foreign key (the event names them too).
    op.add_column('attachment', sa.Column('deleted_at', sa.DateTime(timezone=True),
                                          nullable=True))
    op.add_column('attachment', sa.Column('deleted_by_id', sa.Integer(), nullable=True))
    # A plain ADD COLUMN: a batch copy of `user` would drop its expression index.
    op.add_column('user', sa.Column('email', sa.String(length=200), nullable=False,
                                    server_default=''))


def downgrade():
    op.drop_column('user', 'email')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('deleted_by_id')
        batch_op.drop_column('deleted_at')
