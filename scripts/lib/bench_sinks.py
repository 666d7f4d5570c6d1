#!/usr/bin/env python3
"""Helpers of scripts/bench-sinks (the sink benchmark of issue 4). Subcommands:

  kv OUT FILE…                      key<TAB>value lines for `kcat -P -K '\\t'` from JSON Lines records (file sink
                                    output): the key as the Kafka sink makes it ({"id":N}), the record as the value
  count-kafka BROKERS TOPIC EXPECT TIMEOUT
                                    consume TOPIC from the beginning (every partition) and print how many messages
                                    arrived (stops at EXPECT, or after TIMEOUT s, or 3 s without a message)
  redis-len PORT KEY                XLEN of a stream (no redis module needed: a tiny RESP client)
  load SOCKET TABLE RATE SECONDS OUT
                                    create cdc_lat.TABLE and insert RATE rows/s for SECONDS s, as autocommitted
                                    10-row INSERTs paced on an absolute schedule; every row stores
                                    UNIX_TIMESTAMP(NOW(6)) (statement start) in column t. OUT gets one line per
                                    statement: "first_id rows commit_time" (time.time() right after the server
                                    answered the autocommitted INSERT, i.e. after the commit)
  observe-file PATH OUT STOPFILE    tail PATH (polled every 0.5 ms) until STOPFILE exists; OUT gets "id time" per
                                    record, time = time.time() when its line was first readable
  observe-kafka BROKERS TOPIC OUT STOPFILE
                                    consume TOPIC as messages arrive; OUT gets "id receive_time create_time"
                                    (create_time: the message timestamp, CreateTime set by librdkafka at produce)
  dump-redis PORT KEY OUT           read the whole stream KEY; OUT gets "id entry_time" (the entry id's milliseconds
                                    as seconds: the Redis server's clock when it executed the XADD)
  kafka-floor BROKERS TOPIC RATE SECONDS OUT
                                    the broker's latency floor: a producer with the sink's settings sends RATE
                                    messages/s; OUT gets "id 1 produce_time" (a COMMITS file for `latency`)
  latency COMMITS ARRIVALS COLUMN [WARMUP]
                                    join on id; print "inserted seen p50_ms p99_ms max_ms" of
                                    arrival[COLUMN] - commit_time (COLUMN 1 = second field of ARRIVALS), leaving
                                    out the rows committed in the first WARMUP seconds (default 1)
"""

import json
import os
import socket
import sys
import time


def record_id(record):
    image = record.get("after") or record.get("before") or {}
    return image.get("id")


def cmd_kv(out, *files):
    with open(out, "w", encoding="utf-8") as sink:
        for name in files:
            with open(name, encoding="utf-8") as source:
                for line in source:
                    line = line.rstrip("\n")
                    if not line:
                        continue
                    key = json.dumps({"id": record_id(json.loads(line))}, separators=(",", ":"))
                    sink.write(key + "\t" + line + "\n")


def cmd_count_kafka(brokers, topic, expect, timeout):
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

    expect, timeout = int(expect), float(timeout)
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": "bench-sinks",
        "enable.auto.commit": False,
        "isolation.level": "read_uncommitted",
    })
    deadline = time.monotonic() + timeout
    while True:
        metadata = consumer.list_topics(topic, timeout=5).topics.get(topic)
        if metadata is not None and metadata.error is None and metadata.partitions:
            break
        if time.monotonic() > deadline:
            print(0)
            return
        time.sleep(0.2)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions])
    count = 0
    last = time.monotonic()
    while count < expect and time.monotonic() < deadline and time.monotonic() - last < 3:
        for message in consumer.consume(10000, 0.5):
            if message.error() is None:
                count += 1
                last = time.monotonic()
    consumer.close()
    print(count)


class Resp:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", int(port)))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self.read()

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.file.read(size + 2)
            return data[:-2]
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self.read() for _ in range(size)]
        raise RuntimeError(f"unexpected reply {line!r}")


def cmd_redis_len(port, key):
    print(Resp(port).call("XLEN", key))


def cmd_dump_redis(port, key, out):
    client = Resp(port)
    start = "-"
    with open(out, "w") as sink:
        while True:
            entries = client.call("XRANGE", key, start, "+", "COUNT", 10000)
            if not entries:
                break
            for entry_id, fields in entries:
                values = dict(zip(fields[0::2], fields[1::2]))
                row = record_id(json.loads(values[b"record"]))
                sink.write(f"{row} {int(entry_id.split(b'-')[0]) / 1000:.3f}\n")
            start = "(" + entries[-1][0].decode()


def cmd_load(sock_path, table, rate, seconds, out):
    import pymysql

    rate, seconds = int(rate), float(seconds)
    per_statement = 10
    interval = per_statement / rate
    connection = pymysql.connect(unix_socket=sock_path, user="root", autocommit=True)
    cursor = connection.cursor()
    cursor.execute("CREATE DATABASE IF NOT EXISTS cdc_lat")
    cursor.execute(f"CREATE TABLE cdc_lat.{table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, t DECIMAL(17,6) NOT NULL, "
                   "pad VARCHAR(100) NOT NULL)")
    statement = (f"INSERT INTO cdc_lat.{table} (t, pad) VALUES "
                 + ",".join(["(UNIX_TIMESTAMP(NOW(6)), REPEAT('x', 64))"] * per_statement))
    lines = []
    begin = time.time()
    next_at = begin
    end = begin + seconds
    while next_at < end:
        delay = next_at - time.time()
        if delay > 0:
            time.sleep(delay)
        cursor.execute(statement)
        committed = time.time()
        lines.append(f"{cursor.lastrowid} {per_statement} {committed:.6f}\n")
        next_at += interval
    elapsed = time.time() - begin
    with open(out, "w") as sink:
        sink.writelines(lines)
    print(f"load: {len(lines) * per_statement} rows in {elapsed:.2f} s "
          f"({len(lines) * per_statement / elapsed:.0f} rows/s)", file=sys.stderr)


def cmd_observe_file(path, out, stopfile):
    seen = []
    handle = None
    pending = b""
    while True:
        if handle is None and os.path.exists(path):
            handle = open(path, "rb")
        chunk = handle.read() if handle is not None else b""
        if chunk:
            now = time.time()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line:
                    seen.append(f"{record_id(json.loads(line))} {now:.6f}\n")
        elif os.path.exists(stopfile):
            break
        else:
            time.sleep(0.0005)
    with open(out, "w") as sink:
        sink.writelines(seen)


def cmd_observe_kafka(brokers, topic, out, stopfile):
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": "bench-sinks-latency",
        "enable.auto.commit": False,
        "isolation.level": "read_uncommitted",
        "fetch.wait.max.ms": 5,
        "fetch.min.bytes": 1,
        "topic.metadata.refresh.interval.ms": 500,
    })
    seen = []
    assigned = False
    while not os.path.exists(stopfile):
        if not assigned:
            metadata = consumer.list_topics(topic, timeout=2).topics.get(topic)
            if metadata is not None and metadata.error is None and metadata.partitions:
                consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions])
                assigned = True
            else:
                time.sleep(0.05)
                continue
        for message in consumer.consume(1000, 0.05):
            now = time.time()
            if message.error() is None and message.value() is not None:
                _, created = message.timestamp()
                seen.append(f"{record_id(json.loads(message.value()))} {now:.6f} {created / 1000:.3f}\n")
    consumer.close()
    with open(out, "w") as sink:
        sink.writelines(seen)


def cmd_latency(commits, arrivals, column, warmup="1"):
    column, warmup = int(column), float(warmup)
    committed = {}
    start = None
    with open(commits) as source:
        for line in source:
            first, rows, at = line.split()
            start = float(at) if start is None else start
            if float(at) < start + warmup:
                continue  # the warm-up: topic creation, the consumer's assignment, the first table lookup
            for row in range(int(first), int(first) + int(rows)):
                committed[row] = float(at)
    latencies = []
    seen = set()
    with open(arrivals) as source:
        for line in source:
            fields = line.split()
            row = int(fields[0]) if fields[0] != "None" else None
            if row in committed and row not in seen:
                seen.add(row)
                value = float(fields[column])
                latencies.append((value - committed[row]) * 1000)
    latencies.sort()
    if not latencies:
        print(f"{len(committed)} 0 nan nan nan")
        return

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    print(f"{len(committed)} {len(latencies)} {pct(50):.1f} {pct(99):.1f} {latencies[-1]:.1f}")


def cmd_kafka_floor(brokers, topic, rate, seconds, out):
    """The broker's own latency floor: a confluent-kafka producer with the sink's settings sends RATE small JSON
    messages/s for SECONDS s; OUT gets "id 1 produce_time" lines (the commits file of `latency`)."""
    from confluent_kafka import Producer

    rate, seconds = int(rate), float(seconds)
    producer = Producer({
        "bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all",
        "partitioner": "murmur2_random", "queue.buffering.max.messages": 50000,
    })
    lines = []
    per_tick = 10
    interval = per_tick / rate
    begin = time.time()
    next_at, end, row = begin, begin + seconds, 0
    while next_at < end:
        delay = next_at - time.time()
        if delay > 0:
            time.sleep(delay)
        now = time.time()
        for _ in range(per_tick):
            row += 1
            value = json.dumps({"after": {"id": row, "pad": "x" * 64}})
            producer.produce(topic, value=value, key=json.dumps({"id": row}))
            lines.append(f"{row} 1 {now:.6f}\n")
        producer.poll(0)
        next_at += interval
    producer.flush(30)
    with open(out, "w") as sink:
        sink.writelines(lines)


def cmd_mock_broker(addrfile, stopfile):
    """A librdkafka mock cluster of one broker (`test.mock.num.brokers`, hosted in this process): a Kafka-protocol
    broker with no storage and next to no delay of its own, for latency runs that show binlog-sink's part without
    the real broker's. Writes its bootstrap address (host:port) to ADDRFILE, serves until STOPFILE exists."""
    from confluent_kafka import Producer

    host = Producer({"test.mock.num.brokers": 1})
    broker = next(iter(host.list_topics(timeout=10).brokers.values()))
    with open(addrfile + ".tmp", "w") as out:
        out.write(f"{broker.host}:{broker.port}\n")
    os.rename(addrfile + ".tmp", addrfile)
    while not os.path.exists(stopfile):
        host.poll(0.2)


COMMANDS = {
    "mock-broker": cmd_mock_broker,
    "kafka-floor": cmd_kafka_floor,
    "kv": cmd_kv,
    "count-kafka": cmd_count_kafka,
    "redis-len": cmd_redis_len,
    "dump-redis": cmd_dump_redis,
    "load": cmd_load,
    "observe-file": cmd_observe_file,
    "observe-kafka": cmd_observe_kafka,
    "latency": cmd_latency,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
