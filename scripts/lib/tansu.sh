# shellcheck shell=bash
# The Tansu Kafka-protocol broker for tests and benchmarks (placeholder: the Kafka sink work fills this in).
#   tansu_start DIR PORT    start a broker on 127.0.0.1:PORT, state in DIR
#   tansu_stop DIR          stop it (safe when it never started)
tansu_start() { :; }
tansu_stop() { :; }
