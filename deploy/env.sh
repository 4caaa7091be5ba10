# Sourced by backup.sh and restore.sh: the configuration the services read (ENV_FILE,
# default /etc/innobase/env), checked, and the database URL as libpq wants it.
ENV_FILE=${ENV_FILE:-/etc/innobase/env}
if [ -f "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi
: "${DATABASE_URL:?DATABASE_URL is not set (see $ENV_FILE)}"
: "${UPLOAD_DIR:?UPLOAD_DIR is not set (see $ENV_FILE)}"
# SQLAlchemy's URL names the driver (postgresql+psycopg://); libpq does not want it.
pg_url=${DATABASE_URL/postgresql+psycopg:/postgresql:}
