#!/usr/bin/env bash
# Sao lưu Thi đua vào một thư mục theo ngày giờ (xem README, "Sao lưu và khôi phục"):
#   thidua.dump          pg_dump -Fc of the whole database: the backup to restore
#   dataset-YYYY.json    export_dataset of every year with clusters (thidua-dataset/1)
#   results-YYYY.json    export_results of the same years, what restore_check.sh compares to
#   media.tar.gz         the uploaded files (MEDIA_ROOT), when the folder exists
#   SHA256SUMS           checksums of the files above
#
# Usage: DATABASE_URL=postgres://user:pass@host:5432/thidua scripts/backup.sh [BACKUP_ROOT]
# BACKUP_ROOT defaults to $BACKUP_DIR, else backups/ in the project. The last line
# printed is the new folder.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL must be a postgres:// URL" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
manage() { "$PYTHON" "$ROOT/manage.py" "$@"; }
# results-YYYY.json is computed from the rows being dumped, not read from the
# shared results cache (REDIS_URL): the figures restore_check.sh compares with.
unset REDIS_URL

BACKUP_ROOT="${1:-${BACKUP_DIR:-$ROOT/backups}}"
dest="$BACKUP_ROOT/$(date +%Y-%m-%d_%H%M%S)"
umask 077  # the dump holds personal data and password hashes
mkdir -p "$BACKUP_ROOT"
mkdir "$dest"  # never into an existing folder
# A backup that stops halfway is removed, never left looking complete.
trap 'status=$?; if [ "$status" -ne 0 ]; then rm -rf "$dest"; echo "backup.sh: thất bại, đã xoá $dest" >&2; fi' EXIT

pg_dump --format=custom --file="$dest/thidua.dump" "$DATABASE_URL"

# Years that have clusters (export_dataset refuses a year without any).
years="$(psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c \
  "SELECT DISTINCT y.year FROM clusters_emulationyear y
   JOIN clusters_membership m ON m.year_id = y.id ORDER BY 1")"
for year in $years; do
  manage export_dataset --year "$year" --output "$dest/dataset-$year.json"
  manage export_results --year "$year" --output "$dest/results-$year.json"
done

media="${MEDIA_ROOT:-$ROOT/media}"
if [ -d "$media" ]; then
  tar -czf "$dest/media.tar.gz" -C "$media" .
fi

(cd "$dest" && sha256sum -- * > SHA256SUMS)
years="${years//$'\n'/, }"
echo "Đã sao lưu (năm: ${years:-không có năm nào}) vào:" >&2
echo "$dest"
