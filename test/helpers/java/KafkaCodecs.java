// Kafka's own Java client on each side of Sabot's compression tests: a batch the Java producer
// compressed is what Sabot's source must read, and what Sabot's sink compressed must be read by
// the Java consumer. Usage:
//   KafkaCodecs produce <bootstrap> <count> <topic>=<codec>...   ({"id":i} for i < count, one batch per linger)
//   KafkaCodecs consume <bootstrap> <count> <topic>...           prints "<topic>\t<value>" until each topic gave count records (60 s at most)
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;
public class KafkaCodecs {
  public static void main(String[] a) throws Exception {
    int count = Integer.parseInt(a[2]);
    if (a[0].equals("produce")) for (int i = 3; i < a.length; i++) produce(a[1], count, a[i].split("=")[0], a[i].split("=")[1]);
    else consume(a[1], count, Arrays.asList(a).subList(3, a.length));
  }
  static void produce(String bootstrap, int count, String topic, String codec) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("compression.type", codec);
    p.put("linger.ms", "50");
    p.put("batch.size", Integer.toString(1 << 20));
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> pr = new KafkaProducer<>(p)) {
      for (int i = 0; i < count; i++) pr.send(new ProducerRecord<>(topic, 0, null, "{\"id\":" + i + ",\"codec\":\"" + codec + "\"}"));
      pr.flush();
    }
  }
  static void consume(String bootstrap, int count, List<String> topics) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", "codecs-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    Map<String, Integer> got = new HashMap<>();
    long deadline = System.currentTimeMillis() + 60_000;
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(topics);
      while (System.currentTimeMillis() < deadline && topics.stream().anyMatch(t -> got.getOrDefault(t, 0) < count)) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          System.out.println(r.topic() + "\t" + r.value());
          got.merge(r.topic(), 1, Integer::sum);
        }
      }
    }
  }
}
