#!/usr/bin/env python3
"""Reads back every message of the Kafka topics whose names start with a prefix (LiveKafkaTests).

One JSON object per message on stdout:
  {"topic", "partition", "offset", "key", "value", "headers"}
key / value: base64 of the raw bytes (null for none). With --registry URL, key and value are decoded with
confluent-kafka's AvroDeserializer and SchemaRegistryClient pointed at URL (a real Confluent consumer) and given
as "key_avro" / "value_avro", made JSON-safe without losing anything:
  bytes -> {"$bytes": base64}, Decimal -> {"$decimal": plain text}, datetime -> {"$micros": microseconds since
  1970-01-01 (a naive one read as UTC)}, date -> {"$days": days since 1970-01-01}; the rest as JSON has it.

Manual assignment from the beginning (no consumer group: nothing to join, nothing committed). Reads until at least
--expect N messages have arrived (picking up topics as they appear) and then nothing more came for --idle seconds, or
fails after --timeout s. Watermarks are not used: Tansu reports high watermarks that are too low, and asking for
them stalls the consumer's fetches for about 20 s.
Exit status 0, else 2 on a timeout and 3 on a deserialization error (message on stderr).
"""

import argparse
import base64
import datetime
import decimal
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition, OFFSET_BEGINNING

EPOCH = datetime.datetime(1970, 1, 1)
EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_DATE = datetime.date(1970, 1, 1)


def json_safe(value):
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": format(value, "f")}
    if isinstance(value, datetime.datetime):
        delta = value - (EPOCH_UTC if value.tzinfo is not None else EPOCH)
        return {"$micros": (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds}
    if isinstance(value, datetime.date):
        return {"$days": (value - EPOCH_DATE).days}
    if isinstance(value, float) and value != value:
        return {"$float": "nan"}
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--idle", type=float, default=1.0)
    parser.add_argument("--registry")
    parser.add_argument("--property", action="append", default=[],
                        help="a librdkafka property name=value for the consumer (security.protocol=ssl, …)")
    args = parser.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": "binlog-sink-tests",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        # binlog-sink does not use Kafka transactions: nothing to wait for.
        "isolation.level": "read_uncommitted",
        "topic.metadata.refresh.interval.ms": 1000,
        **dict(item.split("=", 1) for item in args.property),
    })
    key_decoder = value_decoder = None
    if args.registry:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        from confluent_kafka.serialization import MessageField, SerializationContext

        registry = SchemaRegistryClient({"url": args.registry})
        key_decoder = AvroDeserializer(registry)
        value_decoder = AvroDeserializer(registry)

    deadline = time.monotonic() + args.timeout
    partitions = set()  # (topic, partition) assigned
    positions = {}  # (topic, partition) -> next offset
    count = 0

    def refresh_topics():
        metadata = consumer.list_topics(timeout=5)
        added = False
        for name, topic in metadata.topics.items():
            if not name.startswith(args.prefix) or topic.error is not None:
                continue
            for partition in topic.partitions:
                if (name, partition) not in partitions:
                    partitions.add((name, partition))
                    positions[(name, partition)] = 0
                    added = True
        if added:
            # A whole new assignment, each partition where it is.
            consumer.assign([TopicPartition(t, p, positions[(t, p)] or OFFSET_BEGINNING) for (t, p) in partitions])

    refresh_topics()
    last_refresh = time.monotonic()
    last_message = time.monotonic()
    while True:
        now = time.monotonic()
        if count >= args.expect and now - last_message > args.idle:
            break
        if now > deadline:
            print(f"kafka_consume: timeout after {args.timeout} s: {count} messages (expected {args.expect}) "
                  f"from {len(partitions)} partitions", file=sys.stderr)
            return 2
        if count < args.expect and now - last_refresh > 0.5:
            refresh_topics()
            last_refresh = time.monotonic()
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            # end-of-partition events are off by default; anything else is reported and retried until the deadline
            print(f"kafka_consume: {message.error()}", file=sys.stderr)
            continue
        last_message = time.monotonic()
        positions[(message.topic(), message.partition())] = message.offset() + 1
        headers = {}
        for name, value in message.headers() or []:
            headers[name] = None if value is None else value.decode("utf-8", "replace")
        line = {
            "topic": message.topic(),
            "partition": message.partition(),
            "offset": message.offset(),
            "key": None if message.key() is None else base64.b64encode(message.key()).decode(),
            "value": None if message.value() is None else base64.b64encode(message.value()).decode(),
            "headers": headers,
        }
        if args.registry:
            try:
                if message.key() is not None:
                    line["key_avro"] = json_safe(key_decoder(
                        message.key(), SerializationContext(message.topic(), MessageField.KEY)))
                if message.value() is not None:
                    line["value_avro"] = json_safe(value_decoder(
                        message.value(), SerializationContext(message.topic(), MessageField.VALUE)))
            except Exception as error:  # noqa: BLE001 - any failure to decode is the finding
                print(f"kafka_consume: {message.topic()} offset {message.offset()}: cannot decode: "
                      f"{type(error).__name__}: {error}", file=sys.stderr)
                return 3
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    consumer.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KafkaException as error:
        print(f"kafka_consume: {error}", file=sys.stderr)
        sys.exit(4)
