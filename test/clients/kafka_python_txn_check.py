"""kafka-python reading a topic that transactions wrote to, from `strom serve`
(test/clients/serve-transactions.test.ts): read_uncommitted (its default), so every data record,
aborted ones too, and never a control record (COMMIT/ABORT markers take offsets but are not
records). One `key value` line per fact, `record partition:offset key value` per record read.

  read BOOTSTRAP TOPIC    every partition from the beginning to its end offset, without a group
"""
import sys
import time

from kafka import KafkaConsumer, TopicPartition

DEADLINE = time.monotonic() + 60


def left():
    remaining = DEADLINE - time.monotonic()
    if remaining <= 0:
        raise TimeoutError('out of time')
    return remaining


def read(bootstrap, topic):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=200)
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    ends = consumer.end_offsets(tps)
    count = 0
    # A partition ending in a marker: the position reaches the end only past the marker.
    while any(consumer.position(tp) < ends[tp] for tp in tps):
        for tp, records in consumer.poll(timeout_ms=min(500, int(left() * 1000))).items():
            for r in records:
                key = r.key.decode() if r.key is not None else ''
                print(f'record {tp.partition}:{r.offset} {key} {r.value.decode()}', flush=True)
                count += 1
    print('count', count)
    print('end', sum(ends.values()))
    consumer.close()


if __name__ == '__main__':
    mode, bootstrap, topic = sys.argv[1:4]
    if mode != 'read':
        raise SystemExit(f'unknown mode {mode}')
    read(bootstrap, topic)
