# shellcheck shell=bash
# Throwaway MariaDB servers for tests, the demo and benchmarks: a fresh datadir under a temp folder, 127.0.0.1 only,
# no system service, no config files read (--no-defaults). Source this file; it defines functions only.
#
#   mariadb_start DIR PORT [EXTRA_MARIADBD_ARGS…]   install a datadir in DIR/data and start mariadbd in the background
#   mariadb_wait_ready DIR [TIMEOUT_SECONDS]         ping until it answers (mariadb_start already calls it)
#   mariadb_stop DIR                                 shut it down (safe to call twice, or when it never started)
#   mariadb_client DIR [ARGS…]                       the mariadb client on that server's socket, as root
#
# Layout of DIR: data/ (datadir; binlogs are data/mysql-bin.NNNNNN), mariadbd.sock, mariadbd.pid, error.log,
# install.log. Keep DIR short (a unix socket path has a limit of about 100 bytes): mktemp -d under /tmp is fine.
# Binlogs: ROW format, FULL row image, server id 1. Later EXTRA args override earlier ones, so callers can pass
# e.g. --binlog-row-metadata=FULL or --log-bin-compress=ON.

# The mariadbd / mariadb-install-db binaries (Debian puts mariadbd in /usr/sbin, which a non-root PATH may lack).
_mariadb_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  echo "mariadb.sh: $name not found (run scripts/install-deps)" >&2
  return 1
}

mariadb_socket() { echo "$1/mariadbd.sock"; }
mariadb_datadir() { echo "$1/data"; }

mariadb_client() {
  local dir=$1; shift
  "$(_mariadb_bin mariadb)" --no-defaults --socket="$dir/mariadbd.sock" -uroot "$@"
}

mariadb_start() {
  local dir=$1 port=$2; shift 2
  local install_db mariadbd user_args=()
  install_db=$(_mariadb_bin mariadb-install-db)
  mariadbd=$(_mariadb_bin mariadbd)
  # As root mariadbd refuses to run unless told which user to be; as anyone else it runs as that user.
  if [ "$(id -u)" -eq 0 ]; then user_args=(--user=root); fi
  mkdir -p "$dir"
  rm -rf "$dir/data"
  # normal authentication: root@localhost without a password, so any OS user can connect through the socket.
  if ! "$install_db" --no-defaults "${user_args[@]}" --datadir="$dir/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1; then
    echo "mariadb.sh: mariadb-install-db failed; last lines of $dir/install.log:" >&2
    tail -n 20 "$dir/install.log" >&2
    return 1
  fi
  "$mariadbd" --no-defaults "${user_args[@]}" --datadir="$dir/data" \
    --socket="$dir/mariadbd.sock" --port="$port" --bind-address=127.0.0.1 \
    --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" \
    --log-bin="$dir/data/mysql-bin" --binlog-format=ROW --binlog-row-image=FULL --server-id=1 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
    --max-allowed-packet=64M \
    "$@" >"$dir/mariadbd.out" 2>&1 </dev/null &
  echo $! >"$dir/launcher.pid"
  mariadb_wait_ready "$dir" "${BINLOG_SINK_MARIADB_START_TIMEOUT:-60}"
}

mariadb_wait_ready() {
  local dir=$1 timeout=${2:-60} admin pid deadline
  admin=$(_mariadb_bin mariadb-admin)
  pid=$(cat "$dir/launcher.pid" 2>/dev/null || true)
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$admin" --no-defaults --socket="$dir/mariadbd.sock" -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "mariadb.sh: mariadbd exited during start; last lines of $dir/error.log:" >&2
      tail -n 20 "$dir/error.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.25
  done
  echo "mariadb.sh: mariadbd did not answer within ${timeout}s; last lines of $dir/error.log:" >&2
  tail -n 20 "$dir/error.log" >&2 2>/dev/null || true
  return 1
}

mariadb_stop() {
  local dir=$1 pid admin i
  pid=$(cat "$dir/launcher.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    admin=$(_mariadb_bin mariadb-admin) || admin=""
    if [ -n "$admin" ]; then
      "$admin" --no-defaults --socket="$dir/mariadbd.sock" -uroot --connect-timeout=2 shutdown >/dev/null 2>&1 || true
    fi
    for i in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      if [ "$i" -eq 60 ]; then kill -TERM "$pid" 2>/dev/null || true; fi
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "mariadb.sh: mariadbd (pid $pid) did not stop; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Reap it when it is our own child (quietly: it may belong to another shell).
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/launcher.pid"
}
