// A read_committed reader on Kafka's own Java client, for tests of exactly-once output: kafkajs's
// consumer filters aborted transactions incompletely (several producers' aborted transactions in
// one fetch can leak records), so it cannot be the judge. Prints each record's value on a line and
// stops after 6 s without new records. Usage: ReadCommitted <bootstrap> <topic>
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.serialization.StringDeserializer;
public class ReadCommitted {
  public static void main(String[] a) {
    Properties p = new Properties();
    p.put("bootstrap.servers", a[0]);
    p.put("group.id", "jr-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("isolation.level", "read_committed");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(a[1]));
      long idle = System.currentTimeMillis();
      while (System.currentTimeMillis() - idle < 6000) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) { System.out.println(r.value()); idle = System.currentTimeMillis(); }
      }
    }
  }
}
