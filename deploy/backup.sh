#!/usr/bin/env bash
# Back up the product into DEST/<UTC time>/: the database (pg_dump), the uploaded files and,
# once anchors exist, the anchor log with the public keys that check it; then SHA256SUMS.
# Never the private signing key: whoever holds a backup could sign anchors over a rewritten
# history (docs/OPERATIONS.md, "Backup and restore").
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
if [ -f "$AUDIT_ANCHOR_LOG" ]; then
  cp "$AUDIT_ANCHOR_LOG" "$out/audit-anchors.log"
fi
for public in "$AUDIT_SIGNING_KEY.pub" "$AUDIT_SIGNING_KEY.retired.pub"; do
  if [ -f "$public" ]; then
    cp "$public" "$out/audit-signing-key${public#"$AUDIT_SIGNING_KEY"}"
  fi
done
(cd "$out" && sha256sum -- * > SHA256SUMS)
echo "$out"
