#!/usr/bin/env bash
# Back up the platform into one timestamped folder: a PostgreSQL dump of the whole database (every
# service's schema: auth, image, gallery) and every object of the object store, with checksums.
# Keeps the newest BACKUP_KEEP backups. `make backup` runs it against the compose deployment.
#
#   scripts/backup.sh                # prints the new backup's folder
#
# Environment:
#   DATABASE_URL  postgresql://user:password@host:port/database as pg_dump reaches it (required)
#   BACKUP_DIR    where backups go (default ./backups); BACKUP_KEEP how many to keep (default 7)
#   PG_EXEC       prefix for the PostgreSQL tools, e.g. "docker compose exec -T postgres" so the server's
#                 own pg_dump runs (default: pg_dump on this machine; it must not be older than the server)
#   OBJECTS_EXEC  command that runs scripts/object_archive.py with the services' object-store settings
#                 (default: this checkout's Python environment, which reads .env like the services do)
set -euo pipefail
cd "$(dirname "$0")/.."

# Like the services, take DATABASE_URL from .env when the environment has none (make backup LOCAL=1).
if [ -z "${DATABASE_URL:-}" ] && [ -f .env ]; then DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1); fi
: "${DATABASE_URL:?set DATABASE_URL (postgresql://...) to the database to back up}"
BACKUP_DIR=${BACKUP_DIR:-backups}
BACKUP_KEEP=${BACKUP_KEEP:-7}
PG_EXEC=${PG_EXEC:-}
if [ -z "${OBJECTS_EXEC:-}" ]; then
  if [ -x .venv/bin/python ]; then OBJECTS_EXEC=".venv/bin/python scripts/object_archive.py"
  else OBJECTS_EXEC="python3 scripts/object_archive.py"; fi
fi
case "$BACKUP_KEEP" in ''|*[!0-9]*|0) echo "backup: BACKUP_KEEP must be a positive number" >&2; exit 2 ;; esac
# The tools want plain postgresql:// URLs; the services also accept SQLAlchemy's driver suffixes.
DB_URL=$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#')

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$BACKUP_DIR/$stamp" ]; do sleep 1; stamp=$(date -u +%Y%m%dT%H%M%SZ); done  # one per second
work="$BACKUP_DIR/.$stamp.partial"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

echo "backup: dumping PostgreSQL" >&2
# shellcheck disable=SC2086  # PG_EXEC and OBJECTS_EXEC are command prefixes
$PG_EXEC pg_dump --format=custom --compress=6 --no-password --dbname="$DB_URL" > "$work/postgres.dump"
$PG_EXEC psql --no-password -At -v ON_ERROR_STOP=1 --dbname="$DB_URL" -c \
  "select nspname from pg_namespace where nspname not like 'pg\_%' and nspname <> 'information_schema' order by 1" \
  > "$work/schemas.txt"

echo "backup: copying the object store" >&2
# shellcheck disable=SC2086
$OBJECTS_EXEC dump > "$work/objects.tar"

{
  echo "created_utc=$stamp"
  echo "schemas=$(paste -sd, "$work/schemas.txt")"
  echo "objects=$(tar -tf "$work/objects.tar" | grep -vc '/$' || true)"
} > "$work/manifest.txt"
(cd "$work" && sha256sum postgres.dump objects.tar schemas.txt manifest.txt > SHA256SUMS)

mv "$work" "$BACKUP_DIR/$stamp"
trap - EXIT

# Retention: only finished backups count (a failed run leaves nothing behind).
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*T[0-9]*Z' -printf '%f\n' | sort -r \
  | tail -n +"$((BACKUP_KEEP + 1))" | while read -r old; do
      echo "backup: removing old backup $old" >&2
      rm -rf "${BACKUP_DIR:?}/$old"
    done

echo "backup: done ($(tr '\n' ' ' < "$BACKUP_DIR/$stamp/manifest.txt"))" >&2
echo "$BACKUP_DIR/$stamp"
