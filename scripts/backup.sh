#!/usr/bin/env bash
# A backup of the portal's PostgreSQL database: pg_dump's custom format (-Fc: compressed, read
# back by pg_restore, whole or in part) to BACKUP_DIR/<database>-<UTC time>.dump.
#
#   DATABASE_URL=postgres://user:password@host:5432/cooperativa BACKUP_DIR=/backups scripts/backup.sh
#
# BACKUP_DIR defaults to var/backups. PG_BIN names the directory of the PostgreSQL client to
# use (pg_dump refuses a server newer than itself; e.g. /usr/lib/postgresql/15/bin); by default
# the one on PATH. Prints the file's path. When pg_dump fails, or what it wrote cannot be read
# back as an archive, the script exits non-zero and leaves no file behind: a file named *.dump
# is always a whole backup. The file holds members' data: it is readable by its owner only.
set -euo pipefail

url="${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$url" in
  postgres://* | postgresql://*) ;;
  pgsql://*) url="postgresql://${url#pgsql://}" ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac
database="${url%%\?*}"
database="${database##*/}"
if [[ -z "$database" ]]; then
  echo "backup.sh: DATABASE_URL names no database" >&2
  exit 2
fi

bin="${PG_BIN:+${PG_BIN%/}/}"
dir="${BACKUP_DIR:-var/backups}"
umask 077
mkdir -p "$dir"
file="$dir/$database-$(date -u +%Y%m%dT%H%M%SZ).dump"
if [[ -e "$file" ]]; then
  echo "backup.sh: $file already exists (one backup a second)" >&2
  exit 1
fi
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

if ! "${bin}pg_dump" --format=custom --file="$partial" --dbname="$url"; then
  echo "backup.sh: pg_dump failed; no backup was written" >&2
  exit 1
fi
# The archive's table of contents reads back: the file is whole, not cut short.
if ! "${bin}pg_restore" --list "$partial" >/dev/null; then
  echo "backup.sh: the archive pg_dump wrote cannot be read back; no backup was written" >&2
  exit 1
fi
mv "$partial" "$file"
echo "$file"
