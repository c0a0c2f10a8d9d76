"""confluent-kafka (the newest from PyPI, whose wheel bundles a recent librdkafka) driving a
Kafka-protocol server, for strom's client matrix (test/clients/client-matrix.test.ts); it runs in
the venv of scripts/peer-clients.sh. Each mode prints one `key value` line per fact for the test to
check; any failure exits 1.

  produce BOOTSTRAP TOPIC COUNT CODEC   records k<i>/v<i>, header seq=<i>; CODEC none|gzip|snappy|lz4|zstd
  consume BOOTSTRAP TOPIC FROM          FROM: beginning | end | a timestamp in ms (assign, no group)
  group BOOTSTRAP TOPIC GROUP COUNT     3 members with commits; COUNT records produced once all hold partitions
  admin BOOTSTRAP TOPIC                 create (3 partitions), list, delete, list
"""
import sys
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

DEADLINE = time.monotonic() + 60


def left():
    remaining = DEADLINE - time.monotonic()
    if remaining <= 0:
        raise TimeoutError('out of time')
    return remaining


def partitions(client, topic):
    return sorted(client.list_topics(topic, timeout=left()).topics[topic].partitions)


def print_record(m):
    headers = ','.join(f'{k}={v.decode()}' for k, v in (m.headers() or []))
    key = m.key().decode() if m.key() is not None else ''
    print(f'record {m.partition()}:{m.offset()} {key} {m.value().decode()} {headers} {m.timestamp()[1]}', flush=True)


def produce(bootstrap, topic, count, codec):
    producer = Producer({'bootstrap.servers': bootstrap, 'compression.type': codec, 'linger.ms': 5})
    acked, failed = [0], []

    def delivered(err, _msg):
        if err is None:
            acked[0] += 1
        else:
            failed.append(err)
    for i in range(count):
        producer.produce(topic, key=f'k{i}'.encode(), value=f'v{i}-{"x" * 200}'.encode(), headers=[('seq', str(i).encode())], on_delivery=delivered)
    if producer.flush(left()) != 0:
        raise RuntimeError('undelivered records after the deadline')
    if failed:
        raise RuntimeError(f'delivery failed: {failed[0]}')
    print('acked', acked[0])


def consume(bootstrap, topic, start):
    # A group.id is required by the client, but assign() without commits never joins the group.
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'confluent-check-assign', 'enable.auto.commit': False, 'fetch.wait.max.ms': 200})
    parts = partitions(consumer, topic)
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=left())[1] for p in parts}
    stop = threading.Event()
    if start == 'beginning':
        lows = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=left())[0] for p in parts}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        expected = sum(ends[p] - lows[p] for p in parts)
    elif start == 'end':
        consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in parts])
        expected = 1

        # Positions resolve lazily: produce until one record arrives.
        def keep_producing():
            producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 0})
            i = 0
            while not stop.is_set():
                producer.produce(topic, key=b'after', value=f'after-{i}'.encode())
                producer.flush(5)
                i += 1
                stop.wait(0.2)
        threading.Thread(target=keep_producing, daemon=True).start()
    else:
        found = consumer.offsets_for_times([TopicPartition(topic, p, int(start)) for p in parts], timeout=left())
        for tp in found:
            if tp.error:
                raise KafkaException(tp.error)
        expected = sum(ends[tp.partition] - tp.offset for tp in found if tp.offset >= 0)
        consumer.assign([tp if tp.offset >= 0 else TopicPartition(topic, tp.partition, OFFSET_END) for tp in found])
    consumed = old = 0
    while consumed < expected:
        m = consumer.poll(min(0.5, left()))
        if m is None:
            continue
        if m.error():
            raise KafkaException(m.error())
        if start == 'end' and m.offset() < ends[m.partition()]:
            old += 1
        print_record(m)
        consumed += 1
    stop.set()
    consumer.close()
    print('consumed', consumed)
    if start == 'end':
        print('old_records', old)


def group(bootstrap, topic, group_id, count):
    lock = threading.Lock()
    seen = {}
    assigned = [set(), set(), set()]
    received = [set(), set(), set()]
    errors = []
    stop = threading.Event()
    totals = [0]

    def member(m):
        try:
            consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group_id, 'enable.auto.commit': False,
                                 'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 200})
            consumer.subscribe([topic])
            while not stop.is_set():
                messages = consumer.consume(num_messages=500, timeout=0.2)
                for msg in messages:
                    if msg.error():
                        raise KafkaException(msg.error())
                    with lock:
                        key = (msg.partition(), msg.offset())
                        seen[key] = seen.get(key, 0) + 1
                        received[m].add(msg.partition())
                        totals[0] += 1
                if messages:
                    consumer.commit(asynchronous=False)
                with lock:
                    assigned[m] = {tp.partition for tp in consumer.assignment()}
            consumer.close()
        except Exception as e:  # reported by the main thread
            errors.append(f'member {m}: {type(e).__name__}: {e}')
            stop.set()

    admin = AdminClient({'bootstrap.servers': bootstrap})
    partition_count = len(partitions(admin, topic))
    threads = [threading.Thread(target=member, args=(m,), daemon=True) for m in range(3)]
    for t in threads:
        t.start()

    def balanced():
        with lock:
            union = [p for a in assigned for p in a]
            return all(assigned) and len(union) == len(set(union)) == partition_count

    try:
        while not balanced():
            if stop.is_set():
                raise RuntimeError(errors[0] if errors else 'stopped')
            left()
            time.sleep(0.05)
        print('members_with_partitions', 3, flush=True)
        producer = Producer({'bootstrap.servers': bootstrap})
        for i in range(count):
            producer.produce(topic, partition=i % partition_count, key=f'k{i}'.encode(), value=f'v{i}'.encode())
        if producer.flush(left()) != 0:
            raise RuntimeError('undelivered records after the deadline')
        while True:
            with lock:
                if len(seen) >= count:
                    break
            if stop.is_set():
                raise RuntimeError(errors[0] if errors else 'stopped')
            left()
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    if errors:
        raise RuntimeError(errors[0])
    owners = {}
    for r in received:
        for p in r:
            owners[p] = owners.get(p, 0) + 1
    print('consumed', totals[0])
    print('distinct', len(seen))
    print('members_with_records', sum(1 for r in received if r))
    print('overlaps', sum(1 for n in owners.values() if n > 1))


def admin(bootstrap, topic):
    client = AdminClient({'bootstrap.servers': bootstrap})
    for future in client.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)], operation_timeout=10).values():
        future.result(timeout=left())
    print('created', topic)
    listed = client.list_topics(timeout=left()).topics
    print('listed', str(topic in listed).lower())
    print('partitions', len(listed[topic].partitions) if topic in listed else 0)
    for future in client.delete_topics([topic], operation_timeout=10).values():
        future.result(timeout=left())
    print('deleted', str(topic not in client.list_topics(timeout=left()).topics).lower())


def main():
    mode, bootstrap, topic, *args = sys.argv[1:]
    if mode == 'produce':
        produce(bootstrap, topic, int(args[0]), args[1])
    elif mode == 'consume':
        consume(bootstrap, topic, args[0])
    elif mode == 'group':
        group(bootstrap, topic, args[0], int(args[1]))
    elif mode == 'admin':
        admin(bootstrap, topic)
    else:
        raise SystemExit(f'unknown mode {mode}')


if __name__ == '__main__':
    main()
