#!/usr/bin/env bash
# Drops what the project's own tests create, so the next run is a first run (as on a new machine):
# the PostgreSQL and MariaDB databases named ds_* plus django_session_test and
# django_session_interop (the project's own names; no other database is touched), and the files
# runs leave behind (test/.tmp, demo/.data). .ci/run calls it through setup-test-env.sh --fresh;
# the servers must be up.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[fresh] %s\n' "$*"; }

# LIKE's _ is a wildcard: escape it so only names that really start with "ds_" match.
pg_dbs=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'ds\\_%' OR datname IN ('django_session_test', 'django_session_interop')")
for db in $pg_dbs; do
  log "PostgreSQL: dropping $db"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE \"$db\" WITH (FORCE)"
done

my_dbs=$(mariadb --protocol=socket -uroot -N -e \
  "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'ds\\_%' OR schema_name IN ('django_session_test', 'django_session_interop')")
for db in $my_dbs; do
  log "MariaDB: dropping $db"
  mariadb --protocol=socket -uroot -e "DROP DATABASE \`$db\`"
done

rm -rf test/.tmp demo/.data
log "dropped $(echo $pg_dbs | wc -w) PostgreSQL and $(echo $my_dbs | wc -w) MariaDB databases; removed test/.tmp and demo/.data"
