#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database exactly as it was (every schema in the dump is
# dropped and recreated in ONE transaction: all or nothing) and the object store exactly as it was
# (objects put back byte for byte; objects the backup does not hold are deleted).
# Stop the services first (make compose-down keeps the data stores: `docker compose stop` the others).
#
#   scripts/restore.sh backups/20261126T093000Z [--yes]
#
# Environment: DATABASE_URL, PG_EXEC, OBJECTS_EXEC as for scripts/backup.sh. RESTORE_CONFIRM=yes or --yes
# skips the question.
set -euo pipefail
cd "$(dirname "$0")/.."

backup=${1:?usage: scripts/restore.sh BACKUP_FOLDER [--yes]}
confirm=${RESTORE_CONFIRM:-}
[ "${2:-}" = "--yes" ] && confirm=yes
# Like the services, take DATABASE_URL from .env when the environment has none (make backup LOCAL=1).
if [ -z "${DATABASE_URL:-}" ] && [ -f .env ]; then DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1); fi
: "${DATABASE_URL:?set DATABASE_URL (postgresql://...) to the database to restore into}"
PG_EXEC=${PG_EXEC:-}
if [ -z "${OBJECTS_EXEC:-}" ]; then
  if [ -x .venv/bin/python ]; then OBJECTS_EXEC=".venv/bin/python scripts/object_archive.py"
  else OBJECTS_EXEC="python3 scripts/object_archive.py"; fi
fi
DB_URL=$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#')

for f in postgres.dump objects.tar schemas.txt manifest.txt SHA256SUMS; do
  [ -f "$backup/$f" ] || { echo "restore: $backup/$f is missing: not a complete backup" >&2; exit 1; }
done
(cd "$backup" && sha256sum --quiet -c SHA256SUMS) || { echo "restore: checksums do not match" >&2; exit 1; }

echo "restore: $(tr '\n' ' ' < "$backup/manifest.txt")" >&2
if [ "$confirm" != yes ]; then
  read -r -p "This replaces the database and every stored object with $backup. Type 'yes': " answer
  [ "$answer" = yes ] || { echo "restore: nothing changed" >&2; exit 1; }
fi

echo "restore: database" >&2
# Drop what the dump will recreate, then replay it, in one transaction. The schemas come from the dump
# itself; `public` stays (the dump never drops it).
# shellcheck disable=SC2086
{
  echo "\\set ON_ERROR_STOP on"
  $PG_EXEC pg_restore --list < "$backup/postgres.dump" \
    | awk '$4 == "SCHEMA" && $5 == "-" && $6 != "public" { printf "DROP SCHEMA IF EXISTS \"%s\" CASCADE;\n", $6 }'
  $PG_EXEC pg_restore --file=- < "$backup/postgres.dump"
} | $PG_EXEC psql --no-password -q -v ON_ERROR_STOP=1 --single-transaction --dbname="$DB_URL" >/dev/null

echo "restore: object store" >&2
# shellcheck disable=SC2086
$OBJECTS_EXEC load --prune < "$backup/objects.tar"
echo "restore: done" >&2
