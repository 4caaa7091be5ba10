"""compact state: every stored engine state rewritten in the compact format

Revision ID: 0016_compact_state
Revises: 0015_files_accounts
Create Date: 2026-12-01 13:00:00.000000

States written before are plain JSON in which each task lists every key of its parent
that it lacks; app/engine/serializer.py writes them without those lists, without Spiff's
default values and compressed. The rewrite restores each state on its version's spec and
dumps it again, so the engine reads back the very tasks and data it read before: the
fingerprints the events recorded stay those a replay reaches. Cases are read by id, a
batch at a time, so memory does not grow with the number of cases.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_compact_state'
down_revision = '0015_files_accounts'
branch_labels = None
depends_on = None

BATCH = 500
CASES = sa.table('case', sa.column('id', sa.Integer), sa.column('state', sa.Text),
                 sa.column('process_version_id', sa.Integer))
VERSIONS = sa.table('process_version', sa.column('id', sa.Integer), sa.column('spec', sa.Text))


def _rewrite(convert) -> None:
    """Write convert(state, spec) over every case's state, BATCH cases at a time."""
    connection, specs, last = op.get_bind(), {}, 0
    while True:
        rows = connection.execute(
            sa.select(CASES.c.id, CASES.c.state, CASES.c.process_version_id)
            .where(CASES.c.id > last).order_by(CASES.c.id).limit(BATCH)).all()
        if not rows:
            return
        for case_id, state, version_id in rows:
            if version_id not in specs:
                specs[version_id] = connection.scalar(
                    sa.select(VERSIONS.c.spec).where(VERSIONS.c.id == version_id))
            try:
                new = convert(state, specs[version_id]) if state else state
            except Exception:  # noqa: BLE001 - a state that does not restore stays as it was
                new = state  # (both formats load; verification names what is wrong with it)
            if new != state:
                connection.execute(CASES.update().where(CASES.c.id == case_id)
                                   .values(state=new))
        last = rows[-1][0]


def upgrade():
    from app.engine.serializer import compact

    _rewrite(compact)


def downgrade():
    from app.engine.serializer import plain

    _rewrite(plain)
