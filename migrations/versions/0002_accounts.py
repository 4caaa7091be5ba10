"""accounts: session nonce, failed log-ins and lock, case-insensitive usernames

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 19:50:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _refuse_case_duplicates():
    duplicates = op.get_bind().execute(sa.text(
        'SELECT lower(username) FROM "user" GROUP BY lower(username) HAVING count(*) > 1'
    )).scalars().all()
    if duplicates:
        raise RuntimeError("usernames that differ only in case must be renamed first: "
                           + ", ".join(duplicates))


def upgrade():
    _refuse_case_duplicates()
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_nonce', sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(user.c.id)).all():
        bind.execute(user.update().where(user.c.id == user_id)
                     .values(session_nonce=secrets.token_hex(16)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_nonce', existing_type=sa.String(length=32),
                              nullable=False)
        batch_op.alter_column('failed_logins', server_default=None)
    op.create_index('uq_user_username_lower', 'user', [sa.text('lower(username)')], unique=True)


def downgrade():
    op.drop_index('uq_user_username_lower', table_name='user')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locked_at')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('session_nonce')
