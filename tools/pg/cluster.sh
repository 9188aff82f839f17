#!/usr/bin/env bash
# A throw-away PostgreSQL cluster in a folder of its own, for the tests and benchmarks of the PostGIS store:
# initdb + pg_ctl, listening only on a Unix socket inside the folder (no TCP port, no system service).
#   tools/pg/cluster.sh start DIR   creates DIR/data (when absent), starts the server, prints the store URL
#   tools/pg/cluster.sh stop DIR    stops it (fast shutdown) — the folder is left for the caller to remove
#   tools/pg/cluster.sh url DIR     prints the URL again: postgresql:///landreg?host=DIR&user=landreg_admin
# The cluster's superuser is `landreg_admin` (it runs `landreg copy` and `landreg office add`), local connections
# are trusted (the socket is reachable only through DIR), and the database `landreg` has PostGIS. initdb refuses
# to run as root: as root the server runs as Debian's `postgres` user, which is given DIR.
set -euo pipefail
action=${1:?usage: cluster.sh start|stop|url DIR}
dir=${2:?usage: cluster.sh start|stop|url DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "cluster.sh: PostgreSQL's server is not installed (tools/install-deps.sh installs postgresql-15-postgis-3)" >&2; exit 1; }
as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# The server outlives this script: it must not inherit the caller's descriptors beyond 0–2 (Foundation's Process,
# for one, waits for EOF on a socket it passes to its child, and would wait for the server to stop).
without_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    # (one in the list is the listing's own, closed by now: its error is dropped)
    if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then { eval "exec $fd>&-"; } 2>/dev/null || true; fi
  done
  # Redirected here, not at the call: bash would keep the caller's stdout on a descriptor of its own meanwhile.
  "$@" >/dev/null
}
url() { echo "postgresql:///landreg?host=$dir&user=landreg_admin"; }
case "$action" in
  start)
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    if [ ! -d "$dir/data" ]; then
      as_server "$bindir/initdb" -D "$dir/data" -U landreg_admin -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    ( without_inherited_fds as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c max_connections=100" start ) \
      || { cat "$dir/server.log" >&2; exit 1; }
    if ! as_server "$bindir/psql" -h "$dir" -U landreg_admin -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'landreg'" | grep -q 1; then
      as_server "$bindir/createdb" -h "$dir" -U landreg_admin landreg
      as_server "$bindir/psql" -h "$dir" -U landreg_admin -d landreg -qc "CREATE EXTENSION postgis" >/dev/null
    fi
    url
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  url) url ;;
  *) echo "usage: cluster.sh start|stop|url DIR" >&2; exit 2 ;;
esac
