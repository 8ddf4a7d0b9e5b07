#!/bin/sh
# First start of the PostgreSQL container (docker-entrypoint-initdb.d): the application's login role, and the
# replication role of the optional read replica (service `postgres-replique`, profile "replique").
# The application role's rights are given by `python manage.py configurer_roles --application spie_app` after each
# migration.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$SPIE_APP_DB_PASSWORD" -v replication_password="$SPIE_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE spie_app LOGIN PASSWORD :'password';
CREATE ROLE spie_replication REPLICATION LOGIN PASSWORD :'replication_password';
SQL
echo "host replication spie_replication all scram-sha-256" >> "$PGDATA/pg_hba.conf"
