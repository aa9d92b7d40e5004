package no.elekt.consent.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;

/**
 * The datum provider keyed by schema: the same writer and reader for a schema every time, a specific reader for the
 * generated classes (as the default provider gives), and records written and read back unchanged.
 */
@Tag("unit")
class SchemaKeyedDatumProviderTest {

    @Test
    void aDirectiveIsWrittenAndReadBackThroughTheWritersAndReadersItKeeps() throws IOException {
        SchemaKeyedDatumProvider<Object> provider = new SchemaKeyedDatumProvider<>();
        provider.configure(new AvroSerdeConfig(Map.of(AvroSerdeConfig.USE_SPECIFIC_AVRO_READER, "true")));
        ProcessorDirective directive = Directives.directive("eliq", DirectiveAction.DELETE, "energy-insights", 1,
                Map.of("eliqUserId", "user-1"));

        DatumWriter<Object> writer = provider.createDatumWriter(directive, provider.toSchema(directive));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(directive, encoder);
        encoder.flush();
        var reader = provider.createDatumReader(ProcessorDirective.getClassSchema());
        Object read = reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));

        assertThat(read).isEqualTo(directive);
        assertThat(writer).isInstanceOf(SpecificDatumWriter.class)
                .isSameAs(provider.createDatumWriter(directive, ProcessorDirective.getClassSchema()));
        assertThat(reader).isInstanceOf(SpecificDatumReader.class)
                .isSameAs(provider.createDatumReader(ProcessorDirective.getClassSchema()));
    }

    @Test
    void theSerializerAndTheDecoderHandApicurioTheProviderAsAClass() {
        Map<String, Object> settings = RegistrySerializer
                .withSchemaKeyedDatums(Map.of("apicurio.registry.url", "http://localhost:8081/apis/registry/v3"));

        assertThat(new AvroSerdeConfig(settings).getAvroDatumProvider()).isEqualTo(SchemaKeyedDatumProvider.class);
    }

    @Test
    void aGenericRecordGetsTheDefaultProvidersWriter() {
        SchemaKeyedDatumProvider<Object> provider = new SchemaKeyedDatumProvider<>();
        GenericData.Record record = new GenericData.Record(ProcessorDirective.getClassSchema());

        assertThat(provider.createDatumWriter(record, record.getSchema())).isNotInstanceOf(SpecificDatumWriter.class);
    }
}
