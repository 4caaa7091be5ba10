#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an EMPTY database and an empty upload
# folder, both named by ENV_FILE (default /etc/innobase/env). It refuses to overwrite data.
# Usage (as the innobase user, services stopped): deploy/restore.sh /var/backups/innobase/<time>
# Afterwards: flask --app app audit verify --all   (docs/OPERATIONS.md, "Restore").
set -euo pipefail

. "$(dirname "$0")/env.sh"
src=${1:?usage: restore.sh BACKUP_DIR}

(cd "$src" && sha256sum --check --quiet SHA256SUMS)

tables=$(psql "$pg_url" -XAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore.sh: the database already has $tables tables; restore into a new, empty one" >&2
  exit 1
fi
if [ -n "$(ls -A "$UPLOAD_DIR" 2>/dev/null)" ]; then
  echo "restore.sh: $UPLOAD_DIR is not empty; restore into an empty folder" >&2
  exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$pg_url" "$src/database.dump"
mkdir -p "$UPLOAD_DIR"
tar -C "$UPLOAD_DIR" -xzf "$src/uploads.tar.gz"
# The anchor log and its public keys; an existing log is kept (it may hold newer anchors,
# which the restored database must still match), the backup's beside it for comparison.
restore_file() {
  if [ ! -f "$1" ]; then return; fi
  mkdir -p "$(dirname "$2")"
  if [ -e "$2" ] && ! cmp -s "$1" "$2"; then
    cp "$1" "$2.restored"
    echo "restore.sh: kept the existing $2; the backup's copy is $2.restored" >&2
  else
    cp "$1" "$2"
  fi
}
restore_file "$src/audit-anchors.log" "$AUDIT_ANCHOR_LOG"
restore_file "$src/audit-signing-key.pub" "$AUDIT_SIGNING_KEY.pub"
restore_file "$src/audit-signing-key.retired.pub" "$AUDIT_SIGNING_KEY.retired.pub"
echo "restored $src"
