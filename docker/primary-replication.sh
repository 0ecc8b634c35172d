#!/bin/sh
# Run once by the postgres image when it creates the primary's data folder: a replica
# (docker compose --profile replica) may stream from it as the database's user.
# An existing primary needs the same line added to its pg_hba.conf, then a reload.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
