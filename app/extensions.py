"""Flask extensions, created here and initialised only in the app factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from app.jsoncodec import dumps_column, loads_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base, engine_options={"json_serializer": dumps_column,
                                                  "json_deserializer": loads_column})
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Only the views that ask for it are limited (log-in, registration); storage from
# RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
