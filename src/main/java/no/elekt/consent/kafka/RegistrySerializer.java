package no.elekt.consent.kafka;

import java.util.HashMap;
import java.util.Map;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;

/**
 * Apicurio's Avro serializer with the {@link SchemaKeyedDatumProvider}: the value serializer of every channel that
 * writes Avro (application.properties). The provider is handed over as a class, not a name: Apicurio loads a named
 * provider with its own class loader, which in Quarkus' dev and test modes does not see the application's classes.
 */
public class RegistrySerializer extends AvroKafkaSerializer<Object> {

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        super.configure(withSchemaKeyedDatums(configs), isKey);
    }

    static Map<String, Object> withSchemaKeyedDatums(Map<String, ?> configs) {
        Map<String, Object> settings = new HashMap<>(configs);
        settings.put(AvroSerdeConfig.AVRO_DATUM_PROVIDER, SchemaKeyedDatumProvider.class);
        return settings;
    }
}
