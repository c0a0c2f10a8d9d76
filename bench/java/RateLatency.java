// End-to-end latency at a fixed rate, with Apache Kafka's own Java client against any Kafka server
// (the broker, or `strom serve`): the bench's neutral peer for "p99 at 10,000 msgs/s" (bench/kafka.mjs).
// Kafka's EndToEndLatency tool sends one message at a time and waits for it; this one keeps the
// rate whatever the latency, as a live pipeline does.
//
// usage: RateLatency BOOTSTRAP TOPIC RATE SECONDS RECORD_BYTES
// One producer (acks=1, the client's other defaults) sends RATE records per second, each carrying
// System.nanoTime() at send in its first 8 bytes; one consumer in the same JVM (so the clocks are
// one) reads the topic's single partition from its end and takes the difference on receipt. One
// record goes there and back before the rated run; its first second is warm-up and not counted. Prints one line of JSON:
//   {"count":N,"p50Ms":..,"p99Ms":..,"p999Ms":..,"maxMs":..}
// Exits 1 when fewer than 99% of the counted records came back within 10 s of the last send.
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class RateLatency {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    int rate = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    int recordBytes = Math.max(9, Integer.parseInt(args[4]));
    int warmup = rate; // the first second
    int total = warmup + rate * seconds;

    Properties consumerProps = new Properties();
    consumerProps.put("bootstrap.servers", bootstrap);
    consumerProps.put("enable.auto.commit", "false");
    consumerProps.put("key.deserializer", ByteArrayDeserializer.class.getName());
    consumerProps.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Properties producerProps = new Properties();
    producerProps.put("bootstrap.servers", bootstrap);
    producerProps.put("acks", "1");
    producerProps.put("key.serializer", ByteArraySerializer.class.getName());
    producerProps.put("value.serializer", ByteArraySerializer.class.getName());

    long[] latencies = new long[total];
    AtomicInteger received = new AtomicInteger();
    AtomicBoolean ready = new AtomicBoolean(false);
    AtomicBoolean probed = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    Thread reader = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps)) {
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition); // resolves the end now, before the first send
        ready.set(true);
        while (!stop.get() && received.get() < total) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            long sent = ByteBuffer.wrap(record.value()).getLong(0);
            int index = ByteBuffer.wrap(record.value()).getInt(8);
            if (index < 0) probed.set(true);
            else if (index < total) {
              latencies[index] = now - sent;
              received.incrementAndGet();
            }
          }
        }
      }
    });
    reader.start();
    while (!ready.get()) Thread.sleep(10);

    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
      // One record there and back first (metadata fetched, connections open, a new topic's leader
      // elected), so the measured run starts with a path that works, on either server.
      byte[] probe = new byte[recordBytes];
      ByteBuffer.wrap(probe).putInt(8, -1);
      producer.send(new ProducerRecord<>(topic, 0, null, probe)).get();
      long probeDeadline = System.nanoTime() + 30_000_000_000L;
      while (!probed.get() && System.nanoTime() < probeDeadline) Thread.sleep(1);
      long start = System.nanoTime();
      long interval = 1_000_000_000L / rate;
      for (int i = 0; i < total; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        byte[] value = new byte[recordBytes];
        ByteBuffer buffer = ByteBuffer.wrap(value);
        buffer.putLong(0, System.nanoTime());
        buffer.putInt(8, i);
        producer.send(new ProducerRecord<>(topic, 0, null, value));
      }
      producer.flush();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (received.get() < total && System.nanoTime() < deadline) Thread.sleep(10);
    stop.set(true);
    reader.join();

    long[] counted = Arrays.stream(latencies, warmup, total).filter((l) -> l > 0).sorted().toArray();
    int expected = total - warmup;
    if (counted.length < expected * 0.99) {
      System.err.println("RateLatency: only " + counted.length + " of " + expected + " records came back");
      System.exit(1);
    }
    System.out.printf("{\"count\":%d,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f}%n", counted.length,
        percentile(counted, 0.50), percentile(counted, 0.99), percentile(counted, 0.999), counted[counted.length - 1] / 1e6);
  }

  private static double percentile(long[] sorted, double q) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}
