# Sourced by backup.sh and restore.sh: the configuration the services read (ENV_FILE,
# default /etc/innobase/env), checked, and the database URL as libpq wants it.
ENV_FILE=${ENV_FILE:-/etc/innobase/env}
if [ -f "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi
: "${DATABASE_URL:?DATABASE_URL is not set (see $ENV_FILE)}"
: "${UPLOAD_DIR:?UPLOAD_DIR is not set (see $ENV_FILE)}"
# The anchor log and signing key, where the app looks by default (app/config.py).
instance="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/instance"
AUDIT_ANCHOR_LOG=${AUDIT_ANCHOR_LOG:-$instance/audit-anchors.jsonl}
AUDIT_SIGNING_KEY=${AUDIT_SIGNING_KEY:-$instance/audit-signing-key.pem}
# SQLAlchemy's URL names the driver (postgresql+psycopg://); libpq does not want it.
pg_url=${DATABASE_URL/postgresql+psycopg:/postgresql:}
