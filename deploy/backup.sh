#!/usr/bin/env bash
# Back up the product into DEST/<UTC time>/: the database (pg_dump), the uploaded files and,
# when the deployment keeps one, the audit anchor log; then a SHA256SUMS of the three.
# Usage (as the innobase user): deploy/backup.sh /var/backups/innobase
# Configuration from ENV_FILE (default /etc/innobase/env), as the services read it.
set -euo pipefail

. "$(dirname "$0")/env.sh"
dest=${1:?usage: backup.sh DEST_DIR}
out="$dest/$(date -u +%Y%m%dT%H%M%SZ)"
umask 077
mkdir -p "$out"

# Database first, files second: attachments are stored by content hash and never deleted,
# so every file the dump refers to is already on disk when tar reads the folder.
pg_dump --format=custom --no-owner --no-privileges --file="$out/database.dump" "$pg_url"
mkdir -p "$UPLOAD_DIR"
tar -C "$UPLOAD_DIR" -czf "$out/uploads.tar.gz" .
if [ -n "${AUDIT_ANCHOR_LOG:-}" ] && [ -f "$AUDIT_ANCHOR_LOG" ]; then
  cp "$AUDIT_ANCHOR_LOG" "$out/audit-anchors.log"
fi
(cd "$out" && sha256sum -- * > SHA256SUMS)
echo "$out"
