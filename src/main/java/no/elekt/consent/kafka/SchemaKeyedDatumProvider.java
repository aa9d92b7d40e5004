package no.elekt.consent.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificRecord;

import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;

/**
 * Apicurio's datum provider, its writers and readers found by the schema itself before its own lookup.
 * <p>
 * Why: the default provider keys its writers and readers by the schema's canonical-form fingerprint, which it computes
 * again for every record written or read (Avro's {@code SchemaNormalization} builds the canonical form as a string
 * each time): 6-7 % of each role's allocation samples in the benchmark's flame graphs. The schemas it is handed are
 * the generated classes' own and the registry client's cached ones, the same instances every time, and an Avro
 * schema keeps its hash once computed, so a map keyed by the schema finds them without that work. A schema not seen
 * yet goes through the default provider (same writer, same reader), then is kept; the map stops growing at
 * {@value #KEPT} schemas (a few record types and their versions are expected).
 * Used by {@link RegistrySerializer} (every channel that writes Avro) and {@link RegistryDecoder} (every one that reads).
 */
public class SchemaKeyedDatumProvider<T> extends DefaultAvroDatumProvider<T> {

    static final int KEPT = 256;

    private final Map<Schema, DatumWriter<T>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumReader<T>> readers = new ConcurrentHashMap<>();

    @Override
    public DatumWriter<T> createDatumWriter(T data, Schema schema) {
        if (!(data instanceof SpecificRecord)) {
            return super.createDatumWriter(data, schema); // every record of ours is specific; others as before
        }
        DatumWriter<T> writer = specificWriters.get(schema);
        return writer != null ? writer : kept(specificWriters, schema, super.createDatumWriter(data, schema));
    }

    @Override
    public DatumReader<T> createDatumReader(Schema schema) {
        DatumReader<T> reader = readers.get(schema);
        return reader != null ? reader : kept(readers, schema, super.createDatumReader(schema));
    }

    private static <V> V kept(Map<Schema, V> map, Schema schema, V value) {
        if (map.size() < KEPT) {
            map.putIfAbsent(schema, value);
        }
        return value;
    }
}
