#!/bin/sh
# First start of the PostgreSQL container (docker-entrypoint-initdb.d): the application's login role.
# Its rights are given by `python manage.py configurer_roles --application spie_app` after each migration.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$SPIE_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE spie_app LOGIN PASSWORD :'password';
SQL
