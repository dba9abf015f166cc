#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests: initdb into a temporary folder, listen on
# 127.0.0.1 only, on a free random port, trust authentication (nothing else can reach it).
#
#   eval "$(scripts/pg-cluster.sh start)"   # sets MARSAD_TEST_PG and MARSAD_PG_DIR
#   cargo test --workspace                  # the store tests now also run on PostgreSQL
#   scripts/pg-cluster.sh stop "$MARSAD_PG_DIR"
#
# MARSAD_PG_FSYNC=on keeps PostgreSQL's default durability (for benchmarks; the tests run with
# fsync off, as nothing in a throwaway cluster needs to survive a crash).
#
# Uses the newest /usr/lib/postgresql/*/bin (Debian's packages) or initdb on PATH. As root, the
# cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  echo "pg-cluster: no initdb found (install Debian's postgresql package)" >&2
  exit 1
}
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    BIN=$(bin_dir)
    DIR=$(mktemp -d /tmp/marsad-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
    as_pg "$BIN/initdb" -D "$DIR/data" -U marsad --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    FSYNC=${MARSAD_PG_FSYNC:-off}
    for _ in 1 2 3 4 5; do
      PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      if as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
           -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=$FSYNC" start >/dev/null; then
        echo "export MARSAD_TEST_PG=postgres://marsad@127.0.0.1:$PORT/postgres MARSAD_PG_DIR=$DIR"
        exit 0
      fi
    done
    cat "$DIR/server.log" >&2
    exit 1
    ;;
  stop)
    DIR=${2:?usage: pg-cluster.sh stop DIR}
    as_pg "$(bin_dir)/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: pg-cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac
