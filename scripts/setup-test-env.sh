#!/usr/bin/env bash
# Prepares everything the test suite talks to: the three databases (started if down), the test
# databases and users, and real Django (3.2 from Debian, 5.2 from pip in a venv) for interop
# tests. Idempotent; .ci/run calls it, and a developer may run it once (as root) before `npm test`.
# With --fresh it first drops the project's own test databases and files
# (scripts/drop-test-databases.sh), so that the run that follows is a first run.
set -euo pipefail
cd "$(dirname "$0")/.."
FRESH=0
[ "${1:-}" = --fresh ] && FRESH=1

log() { printf '[setup] %s\n' "$*"; }

# --- PostgreSQL ---------------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

# --- MariaDB ------------------------------------------------------------------------------
if ! mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; then
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 30); do mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1 && break; sleep 1; done
fi
if [ "$FRESH" = 1 ]; then bash scripts/drop-test-databases.sh; fi
# The PostgreSQL databases the tests connect to first (each test file then creates its own).
for db in django_session_test django_session_interop; do
  if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  fi
done
# root only authenticates over the unix socket here, so the tests get a user of their own.
mariadb --protocol=socket -uroot <<'SQL'
CREATE DATABASE IF NOT EXISTS django_session_test CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS django_session_interop CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'django_session'@'127.0.0.1' IDENTIFIED BY 'django_session';
CREATE USER IF NOT EXISTS 'django_session'@'localhost' IDENTIFIED BY 'django_session';
GRANT ALL ON *.* TO 'django_session'@'127.0.0.1';
GRANT ALL ON *.* TO 'django_session'@'localhost';
SQL

# --- Redis --------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

# --- Real Django --------------------------------------------------------------------------
if ! /usr/bin/python3 -c "import django, psycopg2, MySQLdb, django_redis" >/dev/null 2>&1; then
  log "installing Django 3.2 from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-django python3-psycopg2 python3-mysqldb python3-django-redis >/dev/null
fi
/usr/bin/python3 -c "import django; assert django.VERSION[:2] == (3, 2), django.VERSION; print('[setup] Django', django.get_version(), 'at /usr/bin/python3')"

VENV=.venv-django52
if ! "$VENV/bin/python" -c "import django, psycopg2, pymysql, redis; assert django.VERSION[:2] == (5, 2)" >/dev/null 2>&1; then
  log "installing Django 5.2 into $VENV"
  PY=$(command -v python3)
  [ "$PY" = /usr/bin/python3 ] && ! /usr/bin/python3 -c "import venv, ensurepip" >/dev/null 2>&1 && apt-get install -y -qq python3-venv >/dev/null
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --retries 0 --timeout 5 "django==5.2.*" psycopg2-binary pymysql redis 2>&1 | grep -v -e "^WARNING: Retrying" -e "is ignored" || true
fi
"$VENV/bin/python" -c "import django; print('[setup] Django', django.get_version(), 'at $VENV/bin/python')"
# gunicorn: Django 5.2 as several worker processes for the multi-process runs (test/reliability/multiprocess-*).
if ! "$VENV/bin/python" -c "import gunicorn" >/dev/null 2>&1; then
  log "installing gunicorn into $VENV"
  "$VENV/bin/python" -m pip install -q --retries 0 --timeout 5 "gunicorn==26.2.0" 2>&1 | grep -v -e "^WARNING: Retrying" -e "is ignored" || true
fi

# --- Password hasher libraries for the auth interop tests (test/auth) ----------------------
# Django checks argon2 and bcrypt hashes only with argon2-cffi and bcrypt installed. Best effort:
# without them the tests assert that Django cannot check those hashes instead.
if ! /usr/bin/python3 -c "import argon2, bcrypt" >/dev/null 2>&1; then
  log "installing argon2-cffi and bcrypt for Django 3.2 from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq python3-argon2 python3-bcrypt >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq python3-argon2 python3-bcrypt >/dev/null; } || true
fi
if ! "$VENV/bin/python" -c "import argon2, bcrypt" >/dev/null 2>&1; then
  log "installing argon2-cffi and bcrypt into $VENV"
  "$VENV/bin/python" -m pip install -q --retries 0 --timeout 5 argon2-cffi bcrypt 2>&1 | grep -v -e "^WARNING: Retrying" -e "is ignored" || true
fi

# --- Chromium for the demo's browser test (test/demo) ----------------------------------------
# Debian's build: playwright-core drives it through executablePath (no browser download here).
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Chromium from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
fi
chromium --version
