#!/bin/sh
# Wait for the broker and this service's database, migrate it, then run the command.
# Usage (as the container command): hpf-service NAME --config FILE
set -e
service="$2"
if [ "$1" = "hpf-service" ] && [ -n "$service" ] && [ "$service" != "gateway" ]; then
  hpf wait "$service"
  hpf db upgrade "$service"
else
  hpf wait
fi
exec "$@"
