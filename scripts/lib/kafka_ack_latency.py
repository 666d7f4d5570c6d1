"""A Kafka broker's own produce -> acknowledgement latency, without binlog-sink: produces RATE messages/s of 450
bytes (the bulk records' size) for SECONDS with the sink's producer settings (idempotent, acks=all, linger.ms 5) and
prints p50/p99/max of the time from each produce call to its delivery report. BENCHMARKS.md uses it to show what
the test broker (Tansu) adds to a commit -> ack figure. The topic is created and warmed up before timing starts.

    LD_LIBRARY_PATH=<librdkafka 2.x> python3 scripts/lib/kafka_ack_latency.py 127.0.0.1:PORT 5000 20
"""

import sys
import time

from confluent_kafka import Producer

brokers, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
topic = f"acklatency{int(time.time())}"
for _ in range(100):
    producer.produce(topic, key=b"warm", value=b"x" * 450)
producer.flush(60)

latencies = []


def report(error, sent):
    if error is None:
        latencies.append((time.monotonic() - sent) * 1000)


count = int(rate * seconds)
start = time.monotonic()
for index in range(count):
    due = start + index / rate
    while (now := time.monotonic()) < due:
        producer.poll(min(due - now, 0.001))
    sent = time.monotonic()
    producer.produce(
        topic, key=str(index % 1000), value=b"x" * 450, on_delivery=lambda error, _, sent=sent: report(error, sent)
    )
    producer.poll(0)
producer.flush(60)
latencies.sort()


def quantile(fraction):
    return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]


print(
    f"acknowledged {len(latencies)}/{count}: p50 {quantile(0.5):.1f} ms, p99 {quantile(0.99):.1f} ms, "
    f"max {latencies[-1]:.1f} ms"
)
