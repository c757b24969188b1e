#!/bin/sh
# One database and one role per service, so no service can read another's tables.
set -e
for service in auth employer accounts contributions progress; do
  # the password goes in as a psql variable, quoted by psql (:'pw'), never pasted into the SQL
  psql -v ON_ERROR_STOP=1 -v pw="$HPF_DB_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE hpf_$service LOGIN PASSWORD :'pw';
CREATE DATABASE hpf_$service OWNER hpf_$service;
REVOKE ALL ON DATABASE hpf_$service FROM PUBLIC;
SQL
done
