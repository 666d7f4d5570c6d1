# shellcheck shell=bash
# A throwaway redis-server for tests and benchmarks (placeholder: the Redis sink work fills this in).
#   redis_start DIR PORT    start redis-server on 127.0.0.1:PORT with appendonly on, data in DIR
#   redis_stop DIR          stop it (safe when it never started)
redis_start() { :; }
redis_stop() { :; }
