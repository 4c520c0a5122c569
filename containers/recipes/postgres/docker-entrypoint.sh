#!/usr/bin/env bash
# A smaller docker-entrypoint.sh with the postgres image's behaviour for the common
# cases: on the first start (no PGDATA/PG_VERSION) initdb with POSTGRES_USER (default
# postgres) and POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
# create POSTGRES_DB (default: the user's name), run /docker-entrypoint-initdb.d/*.sh,
# *.sql and *.sql.gz against a socket-only temporary server, and allow host connections
# with POSTGRES_HOST_AUTH_METHOD (default scram-sha-256). As root it fixes the ownership of
# PGDATA and re-runs itself as postgres. Left out: *_FILE secrets, POSTGRES_INITDB_WALDIR,
# *.xz/*.zst scripts, and the locale (C.UTF-8 here; upstream initialises en_US.utf8).
set -Eeo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" = 'postgres' ]; then
  if [ "$(id -u)" = '0' ]; then
    mkdir -p "$PGDATA"
    find "$PGDATA" \! -user postgres -exec chown postgres '{}' + 2>/dev/null || true
    chmod 00700 "$PGDATA" || true
    mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql && chmod 3777 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_USER:=postgres}"
    : "${POSTGRES_DB:=$POSTGRES_USER}"
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != 'trust' ]; then
      echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
      echo '       Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password).' >&2
      exit 1
    fi
    mkdir -p "$PGDATA" && chmod 00700 "$PGDATA"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of flags, as upstream
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
      initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
    else
      initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
    fi
    printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

    export PGUSER="$POSTGRES_USER" PGPASSWORD="${POSTGRES_PASSWORD:-}" PGHOST=/var/run/postgresql
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    psql=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc)
    if [ "$POSTGRES_DB" != 'postgres' ]; then
      "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) echo "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        *.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
        *.sql.gz) echo "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
        *) if [ -e "$f" ]; then echo "ignoring $f"; fi ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  fi
fi

exec "$@"
