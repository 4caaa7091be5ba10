"""Use cases. Each public function is one transaction, framed by `transaction()`."""

from __future__ import annotations

import contextlib

from sqlalchemy.orm.exc import StaleDataError

from app.errors import N_, Conflict
from app.extensions import db


@contextlib.contextmanager
def transaction():
    """Commit the session when the body succeeds; roll back on any exception.

    A stale optimistic-lock version (someone changed the case meanwhile) becomes Conflict.
    """
    try:
        yield db.session
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(N_("Someone else updated this case meanwhile; your submission was not "
                          "saved. Reload the page and try again.")) from None
    except BaseException:
        db.session.rollback()
        raise
