// Apache Kafka's Java client (kafka-clients 4.x) using transactions against `strom serve`
// (test/clients/serve-transactions.test.ts). Same conventions as StromMatrixCheck.java: one
// `key value` line per fact, `record partition:offset key value` per record read; any failure exits 1.
//
//   txn BOOTSTRAP TOPIC ID           committed t0-* (5), aborted a-* (5), committed t2-* (5), then
//                                    read_committed and read_uncommitted reads of the whole topic
//   fence BOOTSTRAP TOPIC ID         a second producer with the id fences the first mid-transaction
//   ctp BOOTSTRAP IN OUT GROUP ID N  consume-transform-produce: a read_committed group member copies
//                                    IN to OUT in transactions with sendOffsetsToTransaction
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.*;

public class StromTxnCheck {
  static final long DEADLINE = System.currentTimeMillis() + 60_000;

  static long left() {
    long remaining = DEADLINE - System.currentTimeMillis();
    if (remaining <= 0) throw new IllegalStateException("out of time");
    return remaining;
  }

  public static void main(String[] args) throws Exception {
    int status = 0;
    try {
      switch (args[0]) {
        case "txn" -> txn(args[1], args[2], args[3]);
        case "fence" -> fence(args[1], args[2], args[3]);
        case "ctp" -> ctp(args[1], args[2], args[3], args[4], args[5], Integer.parseInt(args[6]));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    }
    System.out.flush();
    System.exit(status);
  }

  static KafkaProducer<String, String> producer(String bootstrap, String id) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "40000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    return new KafkaProducer<>(p);
  }

  static Properties consumerProps(String bootstrap, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return p;
  }

  static void send(KafkaProducer<String, String> producer, String topic, String prefix, int count) throws Exception {
    for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, prefix + i, "v-" + prefix + i)).get();
  }

  static void txn(String bootstrap, String topic, String id) throws Exception {
    try (KafkaProducer<String, String> producer = producer(bootstrap, id)) {
      producer.initTransactions();
      producer.beginTransaction();
      send(producer, topic, "t0-", 5);
      producer.commitTransaction();
      producer.beginTransaction();
      send(producer, topic, "a-", 5);
      producer.abortTransaction();
      producer.beginTransaction();
      send(producer, topic, "t2-", 5);
      producer.commitTransaction();
      System.out.println("produced ok");
    }
    readAll(bootstrap, topic, "read_committed");
    readAll(bootstrap, topic, "read_uncommitted");
  }

  /** Reads every partition from the beginning to its end (the LSO for read_committed), without a group. */
  static void readAll(String bootstrap, String topic, String isolation) {
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap, isolation))) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(left()))) partitions.add(new TopicPartition(topic, info.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofMillis(left()));
      int count = 0;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          System.out.println("record " + isolation + " " + r.partition() + ":" + r.offset() + " " + r.key() + " " + r.value());
          count++;
        }
        left();
      }
      long end = 0;
      for (long e : ends.values()) end += e;
      System.out.println(isolation + ".count " + count);
      System.out.println(isolation + ".end " + end);
    }
  }

  static void fence(String bootstrap, String topic, String id) throws Exception {
    KafkaProducer<String, String> first = producer(bootstrap, id);
    first.initTransactions();
    first.beginTransaction();
    send(first, topic, "zombie-", 2);
    try (KafkaProducer<String, String> second = producer(bootstrap, id)) {
      second.initTransactions();
      try {
        first.commitTransaction();
        System.out.println("fenced false");
      } catch (ProducerFencedException e) {
        System.out.println("fenced true");
      } catch (KafkaException e) {
        System.out.println("fenced other " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      first.close(Duration.ZERO);
      second.beginTransaction();
      send(second, topic, "second-", 2);
      second.commitTransaction();
      System.out.println("second ok");
    }
    readAll(bootstrap, topic, "read_committed");
  }

  static void ctp(String bootstrap, String in, String out, String group, String id, int count) throws Exception {
    Properties c = consumerProps(bootstrap, "read_committed");
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    int copied = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c); KafkaProducer<String, String> producer = producer(bootstrap, id)) {
      producer.initTransactions();
      consumer.subscribe(List.of(in));
      while (copied < count) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        left();
        if (records.isEmpty()) continue;
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
          producer.send(new ProducerRecord<>(out, r.key(), r.value().toUpperCase()));
          offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          copied++;
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();
      }
      System.out.println("copied " + copied);
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      long total = 0;
      for (OffsetAndMetadata o : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values()) total += o.offset();
      System.out.println("committed " + total);
    }
    readAll(bootstrap, out, "read_committed");
  }
}
