"""confluent-kafka (its bundled librdkafka) using transactions against `strom serve`
(test/clients/serve-transactions.test.ts); runs in the venv of scripts/peer-clients.sh. One
`key value` line per fact, `record partition:offset key value` per record read; any failure exits 1.

  loop BOOTSTRAP IN OUT GROUP ID COUNT   a read_committed group member copies COUNT records of IN to OUT
                                         (values upper-cased), one transaction per poll with
                                         send_offsets_to_transaction; first one transaction of
                                         'poison-*' records that is aborted
  die BOOTSTRAP TOPIC ID                 opens a transaction (transaction.timeout.ms 2000), writes 'orphan-*'
                                         records and exits without ending it (the server must abort it)
  read BOOTSTRAP TOPIC ISOLATION         every partition from the beginning to its end (read_committed:
                                         the last stable offset), without a group
"""
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition

DEADLINE = time.monotonic() + 60


def left():
    remaining = DEADLINE - time.monotonic()
    if remaining <= 0:
        raise TimeoutError('out of time')
    return remaining


def loop(bootstrap, source, target, group, transactional_id, count):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'isolation.level': 'read_committed',
                         'enable.auto.commit': False, 'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 200})
    producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': transactional_id, 'linger.ms': 5})
    producer.init_transactions(left())
    producer.begin_transaction()
    for i in range(3):
        producer.produce(target, key=f'poison-{i}'.encode(), value=b'never visible')
    producer.flush(left())
    producer.abort_transaction(left())
    print('aborted 3', flush=True)
    consumer.subscribe([source])
    copied = transactions = 0
    while copied < count:
        messages = consumer.consume(num_messages=7, timeout=min(0.5, left()))
        if not messages:
            continue
        producer.begin_transaction()
        for m in messages:
            if m.error():
                raise KafkaException(m.error())
            producer.produce(target, key=m.key(), value=m.value().upper())
            copied += 1
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), left())
        producer.commit_transaction(left())
        transactions += 1
    print('copied', copied)
    print('transactions', transactions)
    committed = consumer.committed(consumer.assignment(), timeout=left())
    print('committed', sum(tp.offset for tp in committed if tp.offset >= 0))
    consumer.close()


def die(bootstrap, topic, transactional_id):
    producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': transactional_id, 'transaction.timeout.ms': 2000})
    producer.init_transactions(left())
    producer.begin_transaction()
    for i in range(3):
        producer.produce(topic, key=f'orphan-{i}'.encode(), value=b'never visible')
    producer.flush(left())
    print('open 3', flush=True)
    os._exit(0)


def read(bootstrap, topic, isolation):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'confluent-txn-read', 'enable.auto.commit': False,
                         'isolation.level': isolation, 'fetch.wait.max.ms': 200})
    parts = sorted(consumer.list_topics(topic, timeout=left()).topics[topic].partitions)
    # For read_committed the high watermark returned here is the last stable offset.
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=left())[1] for p in parts}
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    count = 0
    while True:
        positions = {tp.partition: tp.offset for tp in consumer.position([TopicPartition(topic, p) for p in parts])}
        if all(ends[p] == 0 or positions[p] >= ends[p] for p in parts):
            break
        m = consumer.poll(min(0.5, left()))
        if m is None or (m.error() and m.error().code() == -191):  # _PARTITION_EOF
            continue
        if m.error():
            raise KafkaException(m.error())
        key = m.key().decode() if m.key() is not None else ''
        print(f'record {m.partition()}:{m.offset()} {key} {m.value().decode()}', flush=True)
        count += 1
    print('count', count)
    print('end', sum(ends.values()))
    consumer.close()


def main():
    mode, bootstrap, *args = sys.argv[1:]
    if mode == 'loop':
        loop(bootstrap, args[0], args[1], args[2], args[3], int(args[4]))
    elif mode == 'die':
        die(bootstrap, args[0], args[1])
    elif mode == 'read':
        read(bootstrap, args[0], args[1])
    else:
        raise SystemExit(f'unknown mode {mode}')


if __name__ == '__main__':
    main()
