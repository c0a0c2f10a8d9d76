// Apache Kafka's reference Java client (org.apache.kafka:kafka-clients 4.x) driving a Kafka-protocol
// server: strom's tests run it against `strom serve` (test/kafka/java-client.test.ts) with
// `java -cp <Kafka classpath> StromClientCheck.java MODE ...` (Java's single-file source launch).
// Each mode prints one line per fact, `key value`, for the test to check; any failure exits 1.
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.*;

public class StromClientCheck {
  public static void main(String[] args) throws Exception {
    String mode = args[0], bootstrap = args[1];
    switch (mode) {
      case "produce" -> produce(bootstrap, args[2], Integer.parseInt(args[3]), args.length > 4 ? args[4] : "none");
      case "group" -> group(bootstrap, args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      case "admin" -> admin(bootstrap, args[2]);
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
  }

  /** The idempotent producer (Kafka 4.x's default: enable.idempotence=true, acks=all). */
  static void produce(String bootstrap, String topic, int count, String compression) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, "key-" + (i % 10), "value-" + i);
        record.headers().add(new RecordHeader("seq", Integer.toString(i).getBytes()));
        sent.add(producer.send(record));
      }
      producer.flush();
      long maxOffset = -1;
      for (Future<RecordMetadata> f : sent) maxOffset = Math.max(maxOffset, f.get().offset());
      System.out.println("acked " + sent.size());
      System.out.println("idempotence " + p.getOrDefault(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "default(true)"));
    }
  }

  /** `members` consumers in one group, each in its own thread, reading `expected` records with commits. */
  static void group(String bootstrap, String topic, String groupId, int members, int expected) throws Exception {
    AtomicInteger total = new AtomicInteger();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    Map<Integer, Set<Integer>> owned = new ConcurrentHashMap<>();
    // Each member's assignment when it stopped reading (closing revokes it, so `owned` empties then).
    Map<Integer, Set<Integer>> finalOwned = new ConcurrentHashMap<>();
    CountDownLatch allJoined = new CountDownLatch(members);
    ExecutorService pool = Executors.newFixedThreadPool(members);
    List<Future<?>> done = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    for (int m = 0; m < members; m++) {
      final int member = m;
      done.add(pool.submit(() -> {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
          consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            public void onPartitionsRevoked(Collection<TopicPartition> parts) { owned.remove(member); }
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
              Set<Integer> mine = new TreeSet<>();
              for (TopicPartition tp : parts) mine.add(tp.partition());
              owned.put(member, mine);
              if (!parts.isEmpty()) allJoined.countDown();
            }
          });
          while (!stop.get()) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, String> r : records) {
              if (seen.add(r.partition() + ":" + r.offset())) total.incrementAndGet();
            }
            if (!records.isEmpty()) consumer.commitSync();
            if (total.get() >= expected && allJoined.getCount() == 0) stop.set(true);
          }
          Set<Integer> last = new TreeSet<>();
          for (TopicPartition tp : consumer.assignment()) last.add(tp.partition());
          finalOwned.put(member, last);
          consumer.commitSync();
        }
        return null;
      }));
    }
    long deadline = System.currentTimeMillis() + 120_000;
    while (!stop.get() && System.currentTimeMillis() < deadline) Thread.sleep(100);
    stop.set(true);
    for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
    pool.shutdown();
    Set<Integer> union = new TreeSet<>();
    int overlaps = 0;
    for (Set<Integer> s : finalOwned.values()) for (Integer part : s) if (!union.add(part)) overlaps++;
    System.out.println("consumed " + total.get());
    System.out.println("members_with_partitions " + finalOwned.values().stream().filter(s -> !s.isEmpty()).count());
    System.out.println("partitions_owned " + union.size());
    System.out.println("overlaps " + overlaps);
    if (total.get() < expected) throw new IllegalStateException("consumed " + total.get() + " of " + expected);
  }

  /** The admin client: topics, configs, partitions, offsets, groups. */
  static void admin(String bootstrap, String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      Collection<Node> nodes = admin.describeCluster().nodes().get();
      System.out.println("cluster_nodes " + nodes.size());
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of("retention.ms", "3600000")))).all().get();
      System.out.println("created " + topic);
      System.out.println("listed " + admin.listTopics().names().get().contains(topic));
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      System.out.println("partitions " + d.partitions().size());
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config = admin.describeConfigs(List.of(res)).all().get().get(res);
      System.out.println("retention.ms " + config.get("retention.ms").value());
      admin.incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET)))).all().get();
      System.out.println("altered " + admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms").value());
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get();
      System.out.println("partitions_after " + admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size());
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int i = 0; i < 3; i++) latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
      long end = 0;
      for (ListOffsetsResult.ListOffsetsResultInfo info : admin.listOffsets(latest).all().get().values()) end += info.offset();
      System.out.println("end_offsets_sum " + end);
      System.out.println("groups " + admin.listGroups().all().get().size());
      admin.deleteTopics(List.of(topic)).all().get();
      System.out.println("deleted " + !admin.listTopics().names().get().contains(topic));
    }
  }
}
