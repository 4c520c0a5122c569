#!/bin/sh
# As eclipse-mosquitto's: give /mosquitto to the mosquitto user when started as root
# (read-only mounts inside it are left as they are), then run the command.
set -e
if [ "$(id -u)" = '0' ]; then
  [ -d /mosquitto ] && chown -R mosquitto:mosquitto /mosquitto 2>/dev/null || true
fi
exec "$@"
