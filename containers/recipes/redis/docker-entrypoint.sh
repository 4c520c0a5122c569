#!/bin/sh
# As the redis image's docker-entrypoint.sh: `docker run redis --flag` and
# `docker run redis /path/redis.conf` mean redis-server; as root, /data is given to the
# redis user and the server runs as it.
# Difference kept small: upstream compiles protected mode off; Debian's build keeps
# Redis's default (on), which refuses clients from other containers when no password is
# set. Without a config file we pass --protected-mode no first, so a later flag still
# wins; a config file that does not set protected-mode gets Debian's default (on).
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ]; then
  if [ "${2%.conf}" = "${2:-}" ] && [ "${2:-}" != '--protected-mode' ]; then
    shift
    set -- redis-server --protected-mode no "$@"
  fi
  if [ "$(id -u)" = '0' ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
  fi
fi
exec "$@"
