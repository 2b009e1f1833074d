// Apache Avro's own single-object encoding (BinaryMessageEncoder / BinaryMessageDecoder) on a Kafka
// topic, the reference Sabot's avro messages are judged against. The writer schema is a JSON file
// (Sabot's avroSchema of the test's columns).
//   AvroInterop read <bootstrap> <topic> <schema.json>: prints each record as JSON on a line
//     (GenericData's toString), stopping after 6 s without new records.
//   AvroInterop write <bootstrap> <topic> <schema.json> <n>: writes n records, record i's fields
//     made from i by type (see value()), every 5th field of record i null when (i + field) % 5 == 0.
import java.io.File;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.*;
import org.apache.avro.Schema;
import org.apache.avro.generic.*;
import org.apache.avro.message.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;

public class AvroInterop {
  public static void main(String[] a) throws Exception {
    Schema schema = new Schema.Parser().parse(new File(a[3]));
    if (a[0].equals("read")) read(a[1], a[2], schema);
    else write(a[1], a[2], schema, Integer.parseInt(a[4]));
  }

  static void read(String bootstrap, String topic, Schema schema) throws Exception {
    BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(GenericData.get(), schema);
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", "avro-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(topic));
      long idle = System.currentTimeMillis();
      while (System.currentTimeMillis() - idle < 6000) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          System.out.println(GenericData.get().toString(decoder.decode(r.value())));
          idle = System.currentTimeMillis();
        }
      }
    }
  }

  static Object value(Schema.Field f, int i) {
    if ((i + f.pos()) % 5 == 0) return null;
    Schema t = f.schema().getTypes().get(1); // Sabot's fields are ["null", T]
    switch (t.getType()) {
      case LONG: return t.getLogicalType() != null ? 1_700_000_000_000L + i : (long) i * 1_000_003L - 7;
      case INT: return i * 31 - 100;
      case DOUBLE: return i / 4.0 - 3;
      case BOOLEAN: return i % 3 == 0;
      case STRING: return "s" + i + (i % 7 == 0 ? " ünïcode ✓" : "");
      default: throw new IllegalArgumentException("unexpected field type " + t);
    }
  }

  static void write(String bootstrap, String topic, Schema schema, int n) throws Exception {
    BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < n; i++) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) r.put(f.name(), value(f, i));
        ByteBuffer b = encoder.encode(r);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        producer.send(new ProducerRecord<>(topic, bytes));
      }
      producer.flush();
    }
  }
}
