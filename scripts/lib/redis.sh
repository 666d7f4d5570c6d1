# shellcheck shell=bash
# A throwaway redis-server for tests and benchmarks: 127.0.0.1 only, no config file, data (appendonly) in DIR.
# Source this file; it defines functions only.
#
#   redis_start DIR PORT [EXTRA_REDIS_ARGS…]   start redis-server on 127.0.0.1:PORT in the background and wait
#                                               until it answers PING (pid in DIR/redis.pid, log in DIR/redis.log)
#   redis_wait_ready DIR PORT [TIMEOUT_SECONDS] PING until it answers (redis_start already calls it)
#   redis_stop DIR                              stop it: SHUTDOWN (saves the appendonly file), then TERM, then KILL
#                                               (safe to call twice, or when it never started)
#
# The server runs in the foreground of its own process (--daemonize no) so that the pid file names the process we
# started; restarting it on the same DIR reloads what it had (appendonly).

redis_start() {
  local dir=$1 port=$2; shift 2
  local bin
  if ! bin=$(command -v redis-server); then
    echo "redis.sh: redis-server not found (run scripts/install-deps: apt-get install redis-server)" >&2
    return 1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "redis.sh: 127.0.0.1:$port is already in use; set BINLOG_SINK_TEST_REDIS_PORT to a free port" >&2
    return 1
  fi
  echo "test: starting redis-server on 127.0.0.1:$port ($dir)" >&2
  # setsid: a TERM to the test script's process group does not race our own stop.
  setsid "$bin" --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --daemonize no \
    --save '' --protected-mode yes --logfile "$dir/redis.log" "$@" >"$dir/redis.out" 2>&1 </dev/null &
  echo $! >"$dir/redis.pid"
  echo "$port" >"$dir/redis.port"
  redis_wait_ready "$dir" "$port" "${BINLOG_SINK_REDIS_START_TIMEOUT:-30}"
}

redis_wait_ready() {
  local dir=$1 port=$2 timeout=${3:-30} pid deadline
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "redis.sh: redis-server exited during start; last lines of $dir/redis.log:" >&2
      tail -n 20 "$dir/redis.log" "$dir/redis.out" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  echo "redis.sh: redis-server did not answer PING within ${timeout}s; last lines of $dir/redis.log:" >&2
  tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
  return 1
}

redis_stop() {
  local dir=$1 pid port i
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  port=$(cat "$dir/redis.port" 2>/dev/null || true)
  if kill -0 "$pid" 2>/dev/null; then
    if [ -n "$port" ]; then
      redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
    fi
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      if [ "$i" -eq 50 ]; then kill -TERM "$pid" 2>/dev/null || true; fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "redis.sh: redis-server (pid $pid) did not stop; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Reap it when it is our own child (quietly: it may belong to another shell).
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/redis.pid" "$dir/redis.port"
}
