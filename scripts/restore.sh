#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into a named database on the server of
# DATABASE_URL (its user, password and host; DATABASE_URL's own database is the source).
#
#   DATABASE_URL=postgres://user:password@host:5432/cooperativa \
#     scripts/restore.sh var/backups/cooperativa-20260101T030000Z.dump cooperativa_restored
#
# A target that does not exist is created, and the backup restored into it. A target that
# exists is only restored into with --clean (its objects that are in the backup are dropped
# first: pg_restore --clean --if-exists). The source (DATABASE_URL's database, or the database
# the backup was taken from) is never restored over unless --over-source is also given: a
# restore is how a mistake is undone, not one more way to make it.
#
# pg_restore runs in one transaction and stops at the first error, so a failed restore leaves
# the target as it was (a target this script created is dropped again). Objects are owned by
# DATABASE_URL's user (--no-owner), so a backup restores on a server with other role names.
# PG_BIN as for backup.sh. Afterwards the target is analyzed (statistics are not in a dump).
set -euo pipefail

usage() {
  echo "usage: DATABASE_URL=postgres://... $0 [--clean] [--over-source] BACKUP_FILE TARGET_DATABASE" >&2
  exit 2
}

clean=0
over_source=0
args=()
for arg in "$@"; do
  case "$arg" in
    --clean) clean=1 ;;
    --over-source) over_source=1 ;;
    -*) usage ;;
    *) args+=("$arg") ;;
  esac
done
[[ ${#args[@]} -eq 2 ]] || usage
backup="${args[0]}"
target="${args[1]}"

url="${DATABASE_URL:?DATABASE_URL must name the PostgreSQL server (and the source database)}"
case "$url" in
  postgres://* | postgresql://*) ;;
  pgsql://*) url="postgresql://${url#pgsql://}" ;;
  *) echo "restore.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac
query=""
[[ "$url" == *\?* ]] && query="?${url#*\?}"
base="${url%%\?*}"
source_db="${base##*/}"
server="${base%/*}"
if [[ ! "$target" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
  echo "restore.sh: the target database name may hold letters, digits and _ only" >&2
  exit 2
fi
if [[ ! -r "$backup" ]]; then
  echo "restore.sh: cannot read $backup" >&2
  exit 2
fi

bin="${PG_BIN:+${PG_BIN%/}/}"
# The header of the archive names the database it was taken from.
if ! listing="$("${bin}pg_restore" --list "$backup")"; then
  echo "restore.sh: $backup is not a backup pg_restore can read" >&2
  exit 1
fi
dumped_db="$(sed -n 's/^;[[:space:]]*dbname: //p' <<<"$listing" | head -n 1)"
if [[ $over_source -eq 0 && ( "$target" == "$source_db" || "$target" == "$dumped_db" ) ]]; then
  echo "restore.sh: $target is the source database; refusing to restore over it" \
    "(add --over-source if that is really what you mean)" >&2
  exit 3
fi

admin="$server/postgres$query"
target_url="$server/$target$query"
exists="$("${bin}psql" "$admin" -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$target'")"
created=0
if [[ "$exists" == "1" ]]; then
  if [[ $clean -eq 0 ]]; then
    echo "restore.sh: $target exists; add --clean to replace what the backup holds in it" >&2
    exit 3
  fi
else
  "${bin}psql" "$admin" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$target\""
  created=1
fi

options=(--dbname="$target_url" --no-owner --single-transaction --exit-on-error)
[[ $clean -eq 1 ]] && options+=(--clean --if-exists)
if ! "${bin}pg_restore" "${options[@]}" "$backup"; then
  if [[ $created -eq 1 ]]; then
    "${bin}psql" "$admin" -XAtq -c "DROP DATABASE IF EXISTS \"$target\"" || true
  fi
  echo "restore.sh: pg_restore failed; $target was left as it was" >&2
  exit 1
fi
"${bin}psql" "$target_url" -XAtq -v ON_ERROR_STOP=1 -c "ANALYZE"
echo "restored $backup into $target"
