// Apache Kafka's reference Java client (org.apache.kafka:kafka-clients 4.x) driving a Kafka-protocol
// server, for strom's client matrix (test/clients/client-matrix.test.ts), with the same modes and
// output as kafka_python_check.py: one `key value` line per fact, `record partition:offset key value
// headers timestamp` per record read; any failure exits 1. Compiled once per run against Kafka's
// classpath (compiledJava in test/helpers/real-kafka.ts), where all four codecs' jars are.
//
//   produce BOOTSTRAP TOPIC COUNT CODEC   records k<i>/v<i>, header seq=<i>; CODEC none|gzip|snappy|lz4|zstd
//   consume BOOTSTRAP TOPIC FROM          FROM: beginning | end | a timestamp in ms (no group)
//   group BOOTSTRAP TOPIC GROUP COUNT     3 members with commits; COUNT records produced once all hold partitions
//   admin BOOTSTRAP TOPIC                 create (3 partitions), list, delete, list
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.*;

public class StromMatrixCheck {
  static final long DEADLINE = System.currentTimeMillis() + 60_000;

  static long left() {
    long remaining = DEADLINE - System.currentTimeMillis();
    if (remaining <= 0) throw new IllegalStateException("out of time");
    return remaining;
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0], bootstrap = args[1], topic = args[2];
    int status = 0;
    try {
      switch (mode) {
        case "produce" -> produce(bootstrap, topic, Integer.parseInt(args[3]), args[4]);
        case "consume" -> consume(bootstrap, topic, args[3]);
        case "group" -> group(bootstrap, topic, args[3], Integer.parseInt(args[4]));
        case "admin" -> admin(bootstrap, topic);
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    }
    // Exit at once, whatever thread a failure left running.
    System.out.flush();
    System.exit(status);
  }

  static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "50000");
    return p;
  }

  static Properties consumerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }

  static void printRecord(ConsumerRecord<String, String> r) {
    StringJoiner headers = new StringJoiner(",");
    for (Header h : r.headers()) headers.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
    System.out.println("record " + r.partition() + ":" + r.offset() + " " + (r.key() == null ? "" : r.key()) + " " + r.value() + " " + headers + " " + r.timestamp());
  }

  /** Kafka 4.x's default producer: idempotent, acks=all. */
  static void produce(String bootstrap, String topic, int count, String codec) throws Exception {
    Properties p = producerProps(bootstrap);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, "k" + i, "v" + i + "-" + "x".repeat(200));
        record.headers().add(new RecordHeader("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        sent.add(producer.send(record));
      }
      producer.flush();
      for (Future<RecordMetadata> f : sent) f.get(left(), TimeUnit.MILLISECONDS);
      System.out.println("acked " + sent.size());
    }
  }

  static void consume(String bootstrap, String topic, String from) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread producing = null;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap))) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(left()))) tps.add(new TopicPartition(topic, info.partition()));
      consumer.assign(tps);
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps, Duration.ofMillis(left()));
      long expected = 0;
      if (from.equals("beginning")) {
        consumer.seekToBeginning(tps);
        Map<TopicPartition, Long> firsts = consumer.beginningOffsets(tps, Duration.ofMillis(left()));
        for (TopicPartition tp : tps) expected += ends.get(tp) - firsts.get(tp);
      } else if (from.equals("end")) {
        consumer.seekToEnd(tps);
        // seekToEnd is lazy: position() resolves it now, before anything new is produced.
        for (TopicPartition tp : tps) consumer.position(tp, Duration.ofMillis(left()));
        expected = 1;
        producing = new Thread(() -> {
          try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap))) {
            for (int i = 0; !stop.get(); i++) {
              producer.send(new ProducerRecord<>(topic, "after", "after-" + i)).get();
              Thread.sleep(200);
            }
          } catch (Exception e) {
            if (!stop.get()) e.printStackTrace();
          }
        });
        producing.setDaemon(true);
        producing.start();
      } else {
        Map<TopicPartition, Long> query = new HashMap<>();
        for (TopicPartition tp : tps) query.put(tp, Long.parseLong(from));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofMillis(left()));
        for (TopicPartition tp : tps) {
          OffsetAndTimestamp at = found.get(tp);
          long offset = at == null ? ends.get(tp) : at.offset();
          consumer.seek(tp, offset);
          expected += ends.get(tp) - offset;
        }
      }
      long consumed = 0, old = 0;
      while (consumed < expected) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(Math.min(500, left())))) {
          if (from.equals("end") && r.offset() < ends.get(new TopicPartition(topic, r.partition()))) old++;
          printRecord(r);
          consumed++;
        }
      }
      stop.set(true);
      if (producing != null) producing.join(left());
      System.out.println("consumed " + consumed);
      if (from.equals("end")) System.out.println("old_records " + old);
    } finally {
      stop.set(true);
    }
  }

  static void group(String bootstrap, String topic, String groupId, int count) throws Exception {
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    List<Set<Integer>> assigned = new CopyOnWriteArrayList<>(List.of(Set.of(), Set.of(), Set.of()));
    List<Set<Integer>> received = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
    AtomicInteger total = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int partitionCount;
    try (KafkaConsumer<String, String> probe = new KafkaConsumer<>(consumerProps(bootstrap))) {
      partitionCount = probe.partitionsFor(topic, Duration.ofMillis(left())).size();
    }
    List<Thread> threads = new ArrayList<>();
    for (int m = 0; m < 3; m++) {
      final int member = m;
      // A KafkaConsumer is single-threaded: each member polls in its own thread.
      Thread t = new Thread(() -> {
        Properties p = consumerProps(bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
          consumer.subscribe(List.of(topic));
          while (!stop.get()) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, String> r : records) {
              seen.merge(r.partition() + ":" + r.offset(), 1, Integer::sum);
              received.get(member).add(r.partition());
              total.incrementAndGet();
            }
            if (!records.isEmpty()) consumer.commitSync();
            Set<Integer> mine = new TreeSet<>();
            for (TopicPartition tp : consumer.assignment()) mine.add(tp.partition());
            assigned.set(member, mine);
          }
          consumer.commitSync();
        } catch (Throwable e) {
          failure.compareAndSet(null, new RuntimeException("member " + member + ": " + e, e));
          stop.set(true);
        }
      });
      t.start();
      threads.add(t);
    }
    try {
      while (true) {
        if (stop.get()) throw new IllegalStateException("stopped", failure.get());
        List<Integer> union = new ArrayList<>();
        boolean all = true;
        for (Set<Integer> a : assigned) {
          all &= !a.isEmpty();
          union.addAll(a);
        }
        if (all && union.size() == partitionCount && new HashSet<>(union).size() == partitionCount) break;
        left();
        Thread.sleep(50);
      }
      System.out.println("members_with_partitions 3");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap))) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) sent.add(producer.send(new ProducerRecord<>(topic, i % partitionCount, "k" + i, "v" + i)));
        producer.flush();
        for (Future<RecordMetadata> f : sent) f.get(left(), TimeUnit.MILLISECONDS);
      }
      while (seen.size() < count) {
        if (stop.get()) throw new IllegalStateException("stopped", failure.get());
        left();
        Thread.sleep(50);
      }
    } finally {
      stop.set(true);
      for (Thread t : threads) t.join(30_000);
    }
    if (failure.get() != null) throw new IllegalStateException(failure.get());
    Map<Integer, Integer> owners = new HashMap<>();
    for (Set<Integer> r : received) for (Integer p : r) owners.merge(p, 1, Integer::sum);
    System.out.println("consumed " + total.get());
    System.out.println("distinct " + seen.size());
    System.out.println("members_with_records " + received.stream().filter(r -> !r.isEmpty()).count());
    System.out.println("overlaps " + owners.values().stream().filter(n -> n > 1).count());
  }

  static void admin(String bootstrap, String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(left(), TimeUnit.MILLISECONDS);
      System.out.println("created " + topic);
      System.out.println("listed " + admin.listTopics().names().get(left(), TimeUnit.MILLISECONDS).contains(topic));
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(left(), TimeUnit.MILLISECONDS).get(topic);
      System.out.println("partitions " + d.partitions().size());
      admin.deleteTopics(List.of(topic)).all().get(left(), TimeUnit.MILLISECONDS);
      System.out.println("deleted " + !admin.listTopics().names().get(left(), TimeUnit.MILLISECONDS).contains(topic));
    }
  }
}
