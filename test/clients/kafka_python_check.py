"""kafka-python driving a Kafka-protocol server, for strom's client matrix
(test/clients/client-matrix.test.ts). The same script runs under Debian's kafka-python 2.0.2
(/usr/bin/python3) and the newest from PyPI (the venv of scripts/peer-clients.sh).
Each mode prints one `key value` line per fact for the test to check; any failure exits 1.

  produce BOOTSTRAP TOPIC COUNT CODEC   records k<i>/v<i>, header seq=<i>; CODEC none|gzip|snappy|lz4|zstd
  consume BOOTSTRAP TOPIC FROM          FROM: beginning | end | a timestamp in ms (no group)
  group BOOTSTRAP TOPIC GROUP COUNT     3 members with commits; COUNT records produced once all hold partitions
  admin BOOTSTRAP TOPIC                 create (3 partitions), list, delete, list
"""
import sys
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

DEADLINE = time.monotonic() + 60


def left():
    remaining = DEADLINE - time.monotonic()
    if remaining <= 0:
        raise TimeoutError('out of time')
    return remaining


def partitions(consumer, topic):
    # Metadata arrives asynchronously: None until the first answer.
    while True:
        found = consumer.partitions_for_topic(topic)
        if found:
            return sorted(found)
        left()
        time.sleep(0.05)


def print_record(r):
    headers = ','.join(f'{k}={v.decode()}' for k, v in (r.headers or []))
    key = r.key.decode() if r.key is not None else ''
    print(f'record {r.partition}:{r.offset} {key} {r.value.decode()} {headers} {r.timestamp}', flush=True)


def produce(bootstrap, topic, count, codec):
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == 'none' else codec, linger_ms=5)
    futures = [producer.send(topic, key=f'k{i}'.encode(), value=f'v{i}-{"x" * 200}'.encode(), headers=[('seq', str(i).encode())]) for i in range(count)]
    producer.flush(timeout=left())
    for f in futures:
        f.get(timeout=left())
    producer.close()
    print('acked', len(futures))


def consume(bootstrap, topic, start):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=200)
    tps = [TopicPartition(topic, p) for p in partitions(consumer, topic)]
    consumer.assign(tps)
    ends = consumer.end_offsets(tps)
    stop = threading.Event()
    if start == 'beginning':
        consumer.seek_to_beginning(*tps)
        firsts = consumer.beginning_offsets(tps)
        expected = sum(ends[tp] - firsts[tp] for tp in tps)
    elif start == 'end':
        consumer.seek_to_end(*tps)
        expected = 1

        # Positions resolve lazily: produce until one record arrives.
        def keep_producing():
            producer = KafkaProducer(bootstrap_servers=bootstrap)
            i = 0
            while not stop.is_set():
                producer.send(topic, key=b'after', value=f'after-{i}'.encode())
                producer.flush()
                i += 1
                stop.wait(0.2)
            producer.close()
        threading.Thread(target=keep_producing, daemon=True).start()
    else:
        found = consumer.offsets_for_times({tp: int(start) for tp in tps})
        expected = 0
        for tp in tps:
            if found[tp] is None:
                consumer.seek(tp, ends[tp])
            else:
                consumer.seek(tp, found[tp].offset)
                expected += ends[tp] - found[tp].offset
    consumed = old = 0
    while consumed < expected:
        for tp, records in consumer.poll(timeout_ms=min(500, int(left() * 1000))).items():
            for r in records:
                if start == 'end' and r.offset < ends[tp]:
                    old += 1
                print_record(r)
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
            consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False,
                                     auto_offset_reset='earliest', fetch_max_wait_ms=200)
            while not stop.is_set():
                batches = consumer.poll(timeout_ms=200)
                n = 0
                for tp, records in batches.items():
                    for r in records:
                        with lock:
                            key = (r.partition, r.offset)
                            seen[key] = seen.get(key, 0) + 1
                            received[m].add(r.partition)
                            totals[0] += 1
                        n += 1
                if n:
                    consumer.commit()
                with lock:
                    assigned[m] = {tp.partition for tp in consumer.assignment()}
            consumer.commit()
            consumer.close()
        except Exception as e:  # reported by the main thread
            errors.append(f'member {m}: {type(e).__name__}: {e}')
            stop.set()

    probe = KafkaConsumer(bootstrap_servers=bootstrap)
    partition_count = len(partitions(probe, topic))
    probe.close()
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
        producer = KafkaProducer(bootstrap_servers=bootstrap)
        for i in range(count):
            producer.send(topic, partition=i % partition_count, key=f'k{i}'.encode(), value=f'v{i}'.encode())
        producer.flush(timeout=left())
        producer.close()
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
    client = KafkaAdminClient(bootstrap_servers=bootstrap)
    client.create_topics([NewTopic(name=topic, num_partitions=3, replication_factor=1)])
    print('created', topic)
    print('listed', str(topic in client.list_topics()).lower())
    described = client.describe_topics([topic])[0]
    print('partitions', len(described['partitions']))
    client.delete_topics([topic])
    print('deleted', str(topic not in client.list_topics()).lower())
    client.close()


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
