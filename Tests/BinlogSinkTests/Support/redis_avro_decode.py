#!/usr/bin/env python3
"""Decodes Confluent-framed Avro messages with a real Confluent consumer's deserializer (LiveRedisFormatsTests).

stdin: one message per line, base64 of its bytes (the `record` field of a Redis stream entry written with
--format avro). stdout: one JSON line per input line, in order: the value decoded by confluent-kafka's
AvroDeserializer with a SchemaRegistryClient pointed at --registry (the writer schema fetched by the id in the
message's frame), made JSON-safe exactly as kafka_consume.py does (kafka_consume.json_safe); or, for a message that
cannot be decoded, {"$error": "<why>"}.
Exit status 0 when every message decoded, 3 when one did not (the reason on stderr too), 2 on bad input.
"""

import argparse
import base64
import binascii
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from kafka_consume import json_safe


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", required=True, help="the schema registry's URL, e.g. http://127.0.0.1:8081")
    parser.add_argument("--topic", default="redis", help="the topic the serialization context names")
    args = parser.parse_args()

    decoder = AvroDeserializer(SchemaRegistryClient({"url": args.registry}))
    context = SerializationContext(args.topic, MessageField.VALUE)
    status = 0
    for number, line in enumerate(sys.stdin, 1):
        line = line.strip()
        try:
            message = base64.b64decode(line, validate=True)
        except binascii.Error as error:
            print(f"redis_avro_decode: line {number}: not base64: {error}", file=sys.stderr)
            return 2
        try:
            value = json_safe(decoder(message, context))
        except Exception as error:  # noqa: BLE001 - any failure to decode is the finding
            reason = f"{type(error).__name__}: {error}"
            print(f"redis_avro_decode: message {number}: cannot decode: {reason}", file=sys.stderr)
            value = {"$error": reason}
            status = 3
        sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
