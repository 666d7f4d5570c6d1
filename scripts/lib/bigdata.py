#!/usr/bin/env python3
"""The big-data evidence of issue 6, driven by scripts/bigdata (which starts and stops the services).

Four cases, each made on the throwaway MariaDB in a binlog file of its own:
  blob    one row with a LONGBLOB of BLOB_BYTES random bytes (64 MiB)
  txn     one transaction (one INSERT … SELECT) of TXN_ROWS row changes (2,000,000)
  binlog  a binlog file of at least BINLOG_BYTES (1 GiB) of 1,000-byte rows in transactions of 10,000
  wide    a table of 1,000 columns: WIDE_ROWS rows inserted, all updated, a tenth deleted

Each case goes through every sink with `binlog-sink run --start FILE:4 --until now --state DIR` (stdout, file:DIR,
kafka://, redis:// stream mode, redis://?mode=hash) and `binlog-sink parse FILE` (stdout), each under GNU time for
its peak RSS. What arrived is read back from the sink and compared with what the server returns for SELECT:
  blob    the blob's length and SHA-256
  txn, binlog   the row count, the sum of the ids and the sum of CRC32 of every value (no duplicate, none missing)
  wide    every value of every row of the table's final state, the record counts, and each update's before image
          against the row as inserted

Prints a Markdown table and a one-line summary; exits 1 when a check or the RSS limit failed.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import zlib

import pymysql

DB = "bd"


def log(message):
    print(f"bigdata: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------- the server


class Server:
    def __init__(self, port, datadir):
        self.port = port
        self.datadir = datadir
        self.connection = pymysql.connect(
            host="127.0.0.1", port=port, user="root", password="", autocommit=True, charset="utf8mb4",
            conv={}, read_timeout=3600, write_timeout=3600, max_allowed_packet=1 << 30)

    def query(self, sql):
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def scalar(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def position(self):
        row = self.query("SHOW MASTER STATUS")[0]
        return row[0], int(row[1])

    def new_binlog(self):
        """Starts a fresh binlog file; returns its name."""
        self.query("FLUSH BINARY LOGS")
        return self.position()[0]

    def finish_binlog(self, name):
        """Closes the case's binlog (the next case gets a new one); returns its size."""
        self.query("FLUSH BINARY LOGS")
        return os.path.getsize(os.path.join(self.datadir, name))


# ----------------------------------------------------------------------------------------------------- the cases


def wide_columns(count):
    """(name, SQL type, expression over seq and the column index j, expression for the update or None).

    Sized for InnoDB's largest row (8,126 bytes with every column at its longest): about 75 bytes per 13 columns."""
    kinds = [
        ("INT", "(seq * {j}) % 2000000000 - 1000000000", "COALESCE({c}, 0) + 1"),
        ("BIGINT", "seq * {j} * 1000003 - 5000000000000", None),
        ("VARCHAR(12) CHARACTER SET latin1", "CONCAT('v', {j}, '-', seq)", "CONCAT(COALESCE({c}, ''), 'u')"),
        ("DECIMAL(12,3)", "(seq * {j} % 1000000000) / 1000 - 500000", None),
        ("DATETIME(3)", "TIMESTAMP('2020-01-01 00:00:00.000') + INTERVAL (seq * {j}) SECOND"
         " + INTERVAL ({j} % 1000) * 1000 MICROSECOND", None),
        ("DATE", "DATE('2000-01-01') + INTERVAL ((seq + {j}) % 20000) DAY", None),
        ("TINYINT", "(seq + {j}) % 256 - 128", None),
        ("SMALLINT UNSIGNED", "(seq * {j}) % 65536", None),
        ("VARCHAR(4) CHARACTER SET utf8mb4", "CONCAT('é漢', (seq * {j}) % 100)", None),
        ("CHAR(6) CHARACTER SET latin1", "LEFT(MD5(seq * {j}), 6)", None),
        ("TIME", "SEC_TO_TIME((seq * {j}) % 3000000 - 1500000)", None),
        ("ENUM('a','b','c')", "ELT(1 + (seq + {j}) % 3, 'a', 'b', 'c')", None),
        ("MEDIUMINT", "(seq * {j}) % 16777216 - 8388608", None),
    ]
    columns = []
    for j in range(1, count):
        sql_type, expression, update = kinds[(j - 1) % len(kinds)]
        name = f"c{j}"
        # Every 7th value NULL, staggered over the columns.
        value = f"IF((seq + {j}) % 7 = 0, NULL, {expression.format(j=j)})"
        columns.append((name, sql_type, value, update.format(c=name) if update else None))
    return columns


class Case:
    """A case: makes its data, knows what the server holds, checks what a sink delivered."""

    name = ""
    table = ""

    def __init__(self, server, sizes):
        self.server = server
        self.sizes = sizes

    @property
    def qualified(self):
        return f"{DB}.{self.table}"


class BlobCase(Case):
    name = "blob"
    table = "blob64"

    def make(self):
        size = self.sizes["blob"]
        self.server.query(f"CREATE TABLE {self.qualified} (id INT PRIMARY KEY, b LONGBLOB NOT NULL)")
        self.server.query(f"SET SESSION group_concat_max_len = {size + 1024}")
        self.server.query(
            f"INSERT INTO {self.qualified} SELECT 1, GROUP_CONCAT(RANDOM_BYTES(1024) SEPARATOR '') "
            f"FROM seq_1_to_{size // 1024}")
        length, digest = self.server.query(f"SELECT LENGTH(b), SHA2(b, 256) FROM {self.qualified}")[0]
        if int(length) != size:
            raise SystemExit(f"bigdata: the server made a blob of {length} bytes, not {size}")
        self.expected = {"rows": 1, "bytes": int(length), "sha256": digest}
        self.label = f"one {size >> 20} MiB LONGBLOB row"

    def check(self, records, hashes):
        rows = []
        if hashes is not None:
            for key, fields in hashes.items():
                rows.append(json.loads(fields["b"]))
        else:
            for record in records:
                if record.get("table") != self.table:
                    continue
                if record.get("op") != "insert":
                    return f"unexpected {record.get('op')} record"
                rows.append(record["after"]["b"])
        if len(rows) != 1:
            return f"{len(rows)} rows arrived, expected 1"
        blob = base64.b64decode(rows[0])
        if len(blob) != self.expected["bytes"]:
            return f"the blob arrived with {len(blob)} bytes, the server has {self.expected['bytes']}"
        digest = hashlib.sha256(blob).hexdigest()
        if digest != self.expected["sha256"]:
            return f"the blob's SHA-256 is {digest}, the server's {self.expected['sha256']}"
        return None


class SumCase(Case):
    """Rows (id, v): count, sum of ids, sum of CRC32(v)."""

    def expect(self):
        count, ids, crcs = self.server.query(
            f"SELECT COUNT(*), SUM(id), SUM(CRC32(v)) FROM {self.qualified}")[0]
        self.expected = {"rows": int(count), "ids": int(ids), "crcs": int(crcs)}

    def check(self, records, hashes):
        count = ids = crcs = 0
        if hashes is not None:
            for key, fields in hashes.items():
                value = json.loads(fields["v"])
                count += 1
                ids += json.loads(fields["id"])
                crcs += zlib.crc32(value.encode())
        else:
            for record in records:
                if record.get("table") != self.table:
                    continue
                if record.get("op") != "insert":
                    return f"unexpected {record.get('op')} record"
                after = record["after"]
                count += 1
                ids += after["id"]
                crcs += zlib.crc32(after["v"].encode())
        got = {"rows": count, "ids": ids, "crcs": crcs}
        if got != self.expected:
            return f"arrived {got}, the server has {self.expected}"
        return None


class TxnCase(SumCase):
    name = "txn"
    table = "txn"

    def make(self):
        rows = self.sizes["txn"]
        self.server.query(f"CREATE TABLE {self.qualified} (id INT PRIMARY KEY, v VARCHAR(40) CHARACTER SET ascii)")
        # One statement with autocommit: one transaction of `rows` row changes.
        self.server.query(f"INSERT INTO {self.qualified} SELECT seq, SHA1(seq) FROM seq_1_to_{rows}")
        self.expect()
        self.label = f"one transaction of {rows:,} row changes"


class BinlogCase(SumCase):
    name = "binlog"
    table = "big"

    def make(self):
        target = self.sizes["binlog"]
        self.server.query(
            f"CREATE TABLE {self.qualified} (id INT PRIMARY KEY, v VARCHAR(1000) CHARACTER SET ascii)")
        chunk = 10000
        first = 1
        # Until the file reaches the target or the server rotates it (max_binlog_size, at most 1 GiB: it rotates
        # after the transaction that crosses it), so every row of the case is in this one file.
        while True:
            name, position = self.server.position()
            if name != self.binlog_file or position >= target:
                break
            last = first + chunk - 1
            self.server.query(
                f"INSERT INTO {self.qualified} SELECT seq, RPAD(SHA2(seq, 512), 1000, SHA2(seq + 1, 512)) "
                f"FROM seq_{first}_to_{last}")
            first = last + 1
        self.expect()

    def describe(self, size):
        self.label = f"a binlog file of {size:,} bytes ({self.expected['rows']:,} rows of 1,000 bytes)"


class WideCase(Case):
    name = "wide"
    table = "wide"

    def make(self):
        rows = self.sizes["wide_rows"]
        columns = wide_columns(self.sizes["wide_columns"])
        self.columns = ["id"] + [c[0] for c in columns]
        definition = ", ".join(f"{name} {sql_type}" for name, sql_type, _, _ in columns)
        self.server.query(f"CREATE TABLE {self.qualified} (id INT PRIMARY KEY, {definition}) ENGINE=InnoDB")
        values = ", ".join(value for _, _, value, _ in columns)
        step = 500
        for first in range(1, rows + 1, step):
            last = min(rows, first + step - 1)
            # seq is BIGINT UNSIGNED: signed arithmetic needs it signed.
            self.server.query(
                f"INSERT INTO {self.qualified} SELECT seq, {values} "
                f"FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_{first}_to_{last}) AS s")
        self.inserted = self.rows()
        updates = ", ".join(f"{name} = {update}" for name, _, _, update in columns if update)
        self.server.query(f"UPDATE {self.qualified} SET {updates}")
        self.server.query(f"DELETE FROM {self.qualified} WHERE id % 10 = 0")
        self.final = self.rows()
        self.deleted = rows - len(self.final)
        self.expected = {"rows": rows * 2 + self.deleted}
        self.label = (f"{len(self.columns):,} columns: {rows:,} rows inserted, updated, "
                      f"{self.deleted:,} deleted")

    def rows(self):
        result = {}
        for row in self.server.query(f"SELECT * FROM {self.qualified}"):
            result[int(row[0])] = list(row)
        return result

    @staticmethod
    def text(value):
        """A JSON value as the server's text protocol shows it (the chosen column types render so)."""
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValueError(f"unexpected boolean {value}")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return value
        raise ValueError(f"unexpected JSON value {value!r}")

    def image(self, image):
        if list(image.keys()) != self.columns:
            raise ValueError(f"the image has {len(image)} columns, not the table's {len(self.columns)} in order")
        return [self.text(v) for v in image.values()]

    def compare(self, state):
        if len(state) != len(self.final):
            return f"{len(state)} rows in the final state, the server has {len(self.final)}"
        values = 0
        for key, expected in self.final.items():
            got = state.get(key)
            if got is None:
                return f"row id={key} is missing"
            if got != expected:
                index = next(i for i in range(len(expected)) if got[i] != expected[i])
                return (f"row id={key} column {self.columns[index]}: arrived {got[index]!r}, "
                        f"the server has {expected[index]!r}")
            values += len(expected)
        self.values_checked = values
        return None

    def check(self, records, hashes):
        try:
            if hashes is not None:
                state = {}
                for key, fields in hashes.items():
                    image = {name: json.loads(fields[name]) for name in self.columns if name in fields}
                    if len(fields) != len(self.columns):
                        return f"hash {key} has {len(fields)} fields, not {len(self.columns)}"
                    row = self.image(image)
                    state[int(row[0])] = row
                return self.compare(state)
            state = {}
            counts = {"insert": 0, "update": 0, "delete": 0}
            for record in records:
                if record.get("table") != self.table:
                    continue
                op = record["op"]
                counts[op] = counts.get(op, 0) + 1
                if op == "insert":
                    row = self.image(record["after"])
                    if row != self.inserted[int(row[0])]:
                        return f"insert of id={row[0]} differs from the row as inserted"
                    state[int(row[0])] = row
                elif op == "update":
                    before = self.image(record["before"])
                    if before != self.inserted[int(before[0])]:
                        return f"the before image of the update of id={before[0]} differs from the row as inserted"
                    row = self.image(record["after"])
                    state[int(row[0])] = row
                elif op == "delete":
                    state.pop(int(self.image(record["before"])[0]), None)
            rows = self.sizes["wide_rows"]
            if counts != {"insert": rows, "update": rows, "delete": self.deleted}:
                return f"record counts {counts}, expected {rows} inserts, {rows} updates, {self.deleted} deletes"
            return self.compare(state)
        except (ValueError, KeyError, TypeError) as error:
            return f"bad record: {error}"


CASES = {"blob": BlobCase, "txn": TxnCase, "binlog": BinlogCase, "wide": WideCase}

# --------------------------------------------------------------------------------------------- reading the sinks


DEBEZIUM_OPS = {"c": "insert", "u": "update", "d": "delete", "r": "read"}


def native(record):
    """A Debezium envelope in the native record's shape (op, table, before, after); a native record as it is."""
    if "table" not in record and isinstance(record.get("source"), dict):
        return {"op": DEBEZIUM_OPS.get(record.get("op"), record.get("op")), "table": record["source"].get("table"),
                "before": record.get("before"), "after": record.get("after")}
    return record


def read_lines(paths):
    for path in paths:
        with open(path, "rb") as handle:
            for line in handle:
                if line.strip():
                    yield native(json.loads(line))


def avro_records(messages, state):
    """Confluent-framed Avro values (byte 0, schema id, datum) decoded with the schemas the run saved in its state;
    bytes values as base64, as the JSON record has them."""
    import io
    import sqlite3

    import fastavro

    database = sqlite3.connect(os.path.join(state, "state.sqlite"))
    schemas = {}
    for value in messages:
        if value[0] != 0:
            raise ValueError("not Confluent-framed")
        schema_id = int.from_bytes(value[1:5], "big")
        if schema_id not in schemas:
            row = database.execute("SELECT schema_json FROM avro_schemas WHERE id = ?", (schema_id,)).fetchone()
            schemas[schema_id] = fastavro.parse_schema(json.loads(row[0]))
        record = fastavro.schemaless_reader(io.BytesIO(value[5:]), schemas[schema_id])
        for image in ("before", "after"):
            if isinstance(record.get(image), dict):
                record[image] = {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v
                                 for k, v in record[image].items()}
        yield record


class Redis:
    """A minimal RESP2 client (no dependency): pipelined commands, replies parsed."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.reader = self.socket.makefile("rb", buffering=1 << 20)

    def send(self, commands):
        out = bytearray()
        for command in commands:
            out += b"*%d\r\n" % len(command)
            for part in command:
                part = part if isinstance(part, bytes) else str(part).encode()
                out += b"$%d\r\n%s\r\n" % (len(part), part)
        self.socket.sendall(out)
        return [self.reply() for _ in commands]

    def reply(self):
        line = self.reader.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            data = self.reader.read(length + 2)
            return data[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.reply() for _ in range(count)]
        raise RuntimeError(f"bad reply {line!r}")

    def command(self, *parts):
        return self.send([parts])[0]


def redis_stream_records(redis, stream):
    start = b"-"
    while True:
        entries = redis.command("XRANGE", stream, start, "+", "COUNT", 2000)
        if not entries:
            return
        for entry_id, fields in entries:
            values = dict(zip(fields[0::2], fields[1::2]))
            yield json.loads(values[b"record"])
        start = b"(" + entries[-1][0]


def redis_hashes(redis, prefix):
    keys = []
    cursor = b"0"
    while True:
        cursor, batch = redis.command("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 5000)
        keys += batch
        if cursor == b"0":
            break
    result = {}
    for index in range(0, len(keys), 1000):
        chunk = keys[index:index + 1000]
        for key, fields in zip(chunk, redis.send([("HGETALL", key) for key in chunk])):
            result[key] = {fields[i].decode(): fields[i + 1].decode() for i in range(0, len(fields), 2)}
    return result


def kafka_records(port, topic, expected, raw=False):
    from confluent_kafka import Consumer, KafkaError

    consumer = Consumer({
        "bootstrap.servers": f"127.0.0.1:{port}", "group.id": f"bigdata-{time.time_ns()}",
        "auto.offset.reset": "earliest", "enable.auto.commit": False,
        "fetch.max.bytes": 512 << 20, "max.partition.fetch.bytes": 512 << 20,
        "receive.message.max.bytes": (512 << 20) + 1024, "fetch.wait.max.ms": 100,
    })
    consumer.subscribe([topic])
    count = 0
    idle_since = time.monotonic()
    try:
        while count < expected and time.monotonic() - idle_since < 30:
            messages = consumer.consume(num_messages=10000, timeout=1.0)
            for message in messages:
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"kafka consumer: {message.error()}")
                count += 1
                idle_since = time.monotonic()
                yield message.value() if raw else json.loads(message.value())
    finally:
        consumer.close()


# ---------------------------------------------------------------------------------------------------- the runs


def timed(command, stdout, env, work, label):
    """Runs command under GNU time; returns (wall s, peak RSS KiB, exit code, stderr tail)."""
    timing = os.path.join(work, f"{label}.time")
    errors = os.path.join(work, f"{label}.err")
    with open(stdout, "wb") as out, open(errors, "wb") as err:
        code = subprocess.call(["/usr/bin/time", "-f", "%e %M %x", "-o", timing] + command,
                               stdout=out, stderr=err, env=env)
    with open(timing) as handle:
        fields = handle.read().split()
    with open(errors, "rb") as handle:
        tail = handle.read().decode(errors="replace").strip().splitlines()[-3:]
    # GNU time writes "Command exited with non-zero status N" first when the command failed.
    wall, rss = float(fields[-3]), int(fields[-2])
    return wall, rss, code, " | ".join(tail)


def run_case(args, server, case, binlog_file, env, results):
    source = f"mysql://root@127.0.0.1:{args.mysql_port}"
    sinks = list(args.sinks)
    if isinstance(case, BlobCase) and "kafka" in sinks:
        sinks.append("kafka-avro")  # the BLOB as Avro bytes (no base64)
    if isinstance(case, BlobCase) and "file" in sinks:
        sinks.append("file-debezium")
    for sink in sinks:
        label = f"{case.name}-{sink}"
        work = os.path.join(args.work, label)
        os.makedirs(work)
        stdout = os.path.join(work, "stdout.jsonl")
        if sink == "parse":
            command = [args.bin, "parse", os.path.join(server.datadir, binlog_file)]
        else:
            command = [args.bin, "run", "--source", source, "--start", f"{binlog_file}:4", "--until", "now",
                       "--state", os.path.join(work, "state"), "--server-id", "4242"]
            if sink == "stdout":
                pass
            elif sink == "file":
                command += ["--sink", "file:" + os.path.join(work, "files")]
            elif sink == "file-debezium":
                command += ["--sink", "file:" + os.path.join(work, "files"), "--format", "debezium"]
            elif sink in ("kafka", "kafka-avro"):
                command += ["--sink", f"kafka://127.0.0.1:{args.kafka_port}",
                            "--kafka-property", f"message.max.bytes={args.kafka_max_bytes}"]
                if sink == "kafka-avro":
                    command += ["--format", "avro", "--topic", "cdc-avro.{db}.{table}"]
            elif sink == "redis-stream":
                command += ["--sink", f"redis://127.0.0.1:{args.redis_port}/0?mode=stream"]
            elif sink == "redis-hash":
                command += ["--sink", f"redis://127.0.0.1:{args.redis_port}/0?mode=hash"]
        log(f"{label}: {' '.join(command[1:3])} … ({sink})")
        env_run = dict(env, MYSQL_PWD="")
        wall, rss, code, tail = timed(command, stdout, env_run, args.work, label)
        problem = None
        if code != 0:
            problem = f"exit {code}: {tail}"
        else:
            try:
                if sink in ("stdout", "parse"):
                    problem = case.check(read_lines([stdout]), None)
                elif sink in ("file", "file-debezium"):
                    paths = sorted(glob.glob(os.path.join(work, "files", f"{DB}.{case.table}*.jsonl")))
                    problem = case.check(read_lines(paths), None)
                elif sink == "kafka-avro":
                    messages = kafka_records(
                        args.kafka_port, f"cdc-avro.{DB}.{case.table}", case.expected["rows"], raw=True)
                    problem = case.check(avro_records(messages, os.path.join(work, "state")), None)
                elif sink == "kafka":
                    problem = case.check(
                        kafka_records(args.kafka_port, f"cdc.{DB}.{case.table}", case.expected["rows"]), None)
                elif sink == "redis-stream":
                    redis = Redis(args.redis_port)
                    problem = case.check(redis_stream_records(redis, f"cdc:{DB}:{case.table}"), None)
                    redis.command("FLUSHALL")
                elif sink == "redis-hash":
                    redis = Redis(args.redis_port)
                    problem = case.check(None, redis_hashes(redis, f"cdc:{DB}:{case.table}:"))
                    redis.command("FLUSHALL")
            except Exception as error:  # a reader failing is a failed check, reported with the case
                problem = f"reading the sink failed: {error!r}"
        if problem is None and rss > args.rss_limit * 1024:
            problem = f"peak RSS {rss // 1024} MiB is over the {args.rss_limit} MiB limit"
        delivered = case.expected["rows"]
        results.append({
            "case": case.name, "label": case.label, "sink": sink, "rows": delivered, "wall": wall,
            "rss_kib": rss, "problem": problem,
        })
        log(f"{label}: {wall:.1f} s, peak RSS {rss / 1024:.0f} MiB, "
            + ("verified" if problem is None else f"FAILED: {problem}"))
        if problem is None and not args.keep:
            subprocess.call(["rm", "-rf", work])
            for suffix in (".time", ".err"):
                os.remove(os.path.join(args.work, label + suffix))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--datadir", required=True)
    parser.add_argument("--mysql-port", type=int, required=True)
    parser.add_argument("--kafka-port", type=int, required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--cases", default="blob txn binlog wide")
    parser.add_argument("--sinks", default="stdout file kafka redis-stream redis-hash parse")
    parser.add_argument("--blob-bytes", type=int, default=64 << 20)
    parser.add_argument("--txn-rows", type=int, default=2_000_000)
    parser.add_argument("--binlog-bytes", type=int, default=1 << 30)
    parser.add_argument("--wide-columns", type=int, default=1000)
    parser.add_argument("--wide-rows", type=int, default=2000)
    parser.add_argument("--rss-limit", type=int, default=300, help="MiB")
    parser.add_argument("--keep", action="store_true", help="keep every run's output")
    args = parser.parse_args()
    args.sinks = args.sinks.split()
    # The Kafka producer's message.max.bytes: the largest record (base64 of the blob, about 4/3 of it) and room.
    args.kafka_max_bytes = max(1 << 20, args.blob_bytes * 3 // 2 + (1 << 20))
    sizes = {"blob": args.blob_bytes, "txn": args.txn_rows, "binlog": args.binlog_bytes,
             "wide_columns": args.wide_columns, "wide_rows": args.wide_rows}
    env = dict(os.environ)
    server = Server(args.mysql_port, args.datadir)
    server.query(f"CREATE DATABASE IF NOT EXISTS {DB}")
    server.connection.select_db(DB)  # the seq_1_to_N tables of the Sequence engine need a current database
    results = []
    started = time.monotonic()
    for name in args.cases.split():
        case = CASES[name](server, sizes)
        binlog_file = server.new_binlog()
        case.binlog_file = binlog_file
        made = time.monotonic()
        case.make()
        size = server.finish_binlog(binlog_file)
        if isinstance(case, BinlogCase):
            case.describe(size)
        log(f"case {name}: {case.label}; {binlog_file} is {size:,} bytes (made in {time.monotonic() - made:.0f} s)")
        run_case(args, server, case, binlog_file, env, results)
        server.query(f"DROP TABLE {case.qualified}")

    print(f"| case | sink | rows | wall s | rows/s | peak RSS | verified |")
    print("|---|---|---:|---:|---:|---:|---|")
    for r in results:
        rate = r["rows"] / r["wall"] if r["wall"] > 0 else 0
        sink = {"parse": "parse (stdout)", "kafka-avro": "kafka, --format avro",
                "file-debezium": "file, --format debezium"}.get(r["sink"], r["sink"])
        verdict = "yes" if r["problem"] is None else f"**no**: {r['problem']}"
        print(f"| {r['label']} | {sink} | {r['rows']:,} | {r['wall']:.1f} | {rate:,.0f} | "
              f"{r['rss_kib'] / 1024:.0f} MiB | {verdict} |")
    failed = [r for r in results if r["problem"] is not None]
    peak = max((r["rss_kib"] for r in results), default=0) / 1024
    total = time.monotonic() - started
    print()
    summary = (f"bigdata: {len(results)} runs, {len(results) - len(failed)} verified, {len(failed)} failed; "
               f"highest peak RSS {peak:.0f} MiB (limit {args.rss_limit} MiB); {total:.0f} s")
    print(summary)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
