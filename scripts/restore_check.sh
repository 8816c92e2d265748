#!/usr/bin/env bash
# Kiểm tra một bản sao lưu của scripts/backup.sh bằng cách khôi phục nó thật
# (xem README, "Sao lưu và khôi phục"):
#   1. the checksums of SHA256SUMS;
#   2. pg_restore of thidua.dump into a new, empty database, then `migrate`
#      (a no-op unless the backup is older than the code);
#   3. import_dataset of every dataset-YYYY.json into another new database,
#      migrated from scratch as on a new server;
#   4. export_results of every year from both databases, compared byte for byte
#      with results-YYYY.json, the original database's results at backup time.
# The original database's results now are compared too, for information only:
# they differ when data changed after the backup.
# Both temporary databases are dropped at the end, whatever happens. Exits
# non-zero on any difference; prints "Khôi phục khớp dữ liệu" on success.
#
# Usage: DATABASE_URL=postgres://user:pass@host:5432/thidua scripts/restore_check.sh [BACKUP_FOLDER]
# BACKUP_FOLDER defaults to the latest folder under $BACKUP_DIR, else backups/.
# The user of DATABASE_URL must be allowed to create databases (CREATEDB).
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database the backup was made of}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "restore_check.sh: DATABASE_URL must be a postgres:// URL" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
manage() { "$PYTHON" "$ROOT/manage.py" "$@"; }
# The results are computed from each database's own rows, never read from the
# shared results cache: a restored database holds the same ids and revision
# tokens as the original (scoring/revisions.py), so Redis would answer with the
# original's results and the check would compare the cache with itself; and a
# temporary database's imports send no task to the site's worker.
unset REDIS_URL
sql() { psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
url_part() {  # url_part name | url_part with NAME: the database of DATABASE_URL, or another one
  "$PYTHON" - "$DATABASE_URL" "$@" <<'PY'
import sys
from urllib.parse import quote, unquote, urlsplit

url = urlsplit(sys.argv[1])
if sys.argv[2] == "name":
    print(unquote(url.path.lstrip("/")))
else:
    print(url._replace(path="/" + quote(sys.argv[3], safe="")).geturl())
PY
}

backup="${1:-}"
if [ -z "$backup" ]; then
  backup="$(
    { find "${BACKUP_DIR:-$ROOT/backups}" -mindepth 1 -maxdepth 1 -type d 2>/dev/null || true; } |
      sort | tail -n 1
  )"
fi
if [ -z "$backup" ] || [ ! -f "$backup/thidua.dump" ]; then
  echo "restore_check.sh: không thấy bản sao lưu (thư mục có thidua.dump): ${backup:-chưa có}" >&2
  exit 2
fi
echo "Bản sao lưu: $backup"
if [ -f "$backup/SHA256SUMS" ]; then
  if ! (cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS); then
    echo "restore_check.sh: tổng kiểm không khớp, bản sao lưu đã hỏng: $backup" >&2
    exit 1
  fi
  echo "  tổng kiểm (SHA256SUMS): khớp"
fi

base="$(url_part name)"
base="${base:0:30}"
suffix="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
restored="${base}_restore_$suffix"
imported="${base}_import_$suffix"
work="$(mktemp -d)"
created=()
migrate_pid=""
cleanup() {
  local status=$?
  if [ -n "$migrate_pid" ]; then
    kill "$migrate_pid" 2>/dev/null || true
    wait "$migrate_pid" 2>/dev/null || true
  fi
  for db in ${created[@]+"${created[@]}"}; do
    sql "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" ||
      echo "restore_check.sh: chưa xoá được cơ sở dữ liệu tạm $db" >&2
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
create_database() {
  created+=("$1")
  sql "CREATE DATABASE \"$1\""
}

# The import's database is migrated in the background while the dump is restored.
create_database "$imported"
imported_url="$(url_part with "$imported")"
DATABASE_URL="$imported_url" "$PYTHON" "$ROOT/manage.py" migrate --noinput \
  >"$work/migrate.log" 2>&1 &
migrate_pid=$!

create_database "$restored"
restored_url="$(url_part with "$restored")"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$restored_url" "$backup/thidua.dump"
DATABASE_URL="$restored_url" manage migrate --noinput >/dev/null
echo "  pg_restore vào $restored: xong"

years=()
for file in "$backup"/dataset-*.json; do
  [ -e "$file" ] || continue
  year="${file##*/dataset-}"
  years+=("${year%.json}")
done

failed=0
same() {  # same LABEL EXPECTED GOT
  if cmp -s "$2" "$3"; then
    echo "  $1: khớp"
  else
    echo "  $1: KHÁC kết quả lúc sao lưu" >&2
    diff -u "$2" "$3" | head -n 40 >&2 || true
    failed=1
  fi
}
reference() {  # the original's results of a year at backup time
  if [ -f "$backup/results-$1.json" ]; then
    echo "$backup/results-$1.json"
  else  # a backup without them: the original database now
    manage export_results --year "$1" --output "$work/original-$1.json"
    echo "$work/original-$1.json"
  fi
}

for year in ${years[@]+"${years[@]}"}; do
  expected="$(reference "$year")"
  DATABASE_URL="$restored_url" manage export_results --year "$year" --output "$work/restored-$year.json"
  same "năm $year, pg_restore" "$expected" "$work/restored-$year.json"
  manage export_results --year "$year" --output "$work/now-$year.json"
  if ! cmp -s "$expected" "$work/now-$year.json"; then
    echo "  năm $year: cơ sở dữ liệu gốc đã thay đổi từ lúc sao lưu (chỉ để biết)"
  fi
done

if ! wait "$migrate_pid"; then
  migrate_pid=""
  cat "$work/migrate.log" >&2
  echo "restore_check.sh: migrate cơ sở dữ liệu mới thất bại" >&2
  exit 1
fi
migrate_pid=""
for year in ${years[@]+"${years[@]}"}; do
  if ! DATABASE_URL="$imported_url" manage import_dataset "$backup/dataset-$year.json" >/dev/null; then
    echo "  năm $year, import_dataset: LỖI khi nhập dataset-$year.json" >&2
    failed=1
    continue
  fi
  DATABASE_URL="$imported_url" manage export_results --year "$year" --output "$work/imported-$year.json"
  same "năm $year, import_dataset" "$(reference "$year")" "$work/imported-$year.json"
done

if [ "$failed" -ne 0 ]; then
  echo "Khôi phục KHÔNG khớp dữ liệu: xem các khác biệt ở trên." >&2
  exit 1
fi
echo "Khôi phục khớp dữ liệu (năm: ${years[*]:-không có})"
