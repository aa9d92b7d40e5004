package no.elekt.consent.identifiers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.crypto.SecretKey;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import no.elekt.consent.events.ProcessorDirective;

/**
 * Identifiers in a directive travel sealed: {@code sealedIdentifiers} is every value by type (JSON), AES-GCM under the
 * subject's data key ({@link SubjectKeys}), bound to the processor, subject and directive id; the clear fields
 * {@code identifiers} and {@code identifierValues} stay empty on the topic. The core seals in the transaction that
 * writes the directive; the adapter opens with the key it reads at use. Once the key is deleted by an erasure's
 * purge, the directive opens with no identifiers: every copy on a topic, dead-letter topic or backup is unreadable.
 */
@ApplicationScoped
public class DirectiveSeal {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, List<String>>> VALUES = new TypeReference<>() {
    };

    /** A directive as opened: with its identifiers in clear, or why it cannot be read (altered or moved). */
    public record Opened(ProcessorDirective directive, String unreadable) {
    }

    private final SubjectKeys keys;

    DirectiveSeal(SubjectKeys keys) {
        this.keys = keys;
    }

    /** The directives with their identifiers sealed, on the connection of the transaction that writes them. */
    public Uni<List<ProcessorDirective>> seal(SqlClient client, List<ProcessorDirective> directives) {
        List<String> subjects = directives.stream().filter(d -> !d.getIdentifierValues().isEmpty())
                .map(ProcessorDirective::getSubjectId).distinct().toList();
        return keys.keysOf(client, subjects).map(byKey -> directives.stream()
                .map(d -> d.getIdentifierValues().isEmpty() ? d : sealed(d, byKey.get(d.getSubjectId())))
                .toList());
    }

    /** The directives with their identifiers opened with the data keys read now; clear ones as they are. */
    public Uni<List<Opened>> open(SqlClient client, List<ProcessorDirective> directives) {
        List<String> subjects = directives.stream().filter(d -> d.getSealedIdentifiers().hasRemaining())
                .map(ProcessorDirective::getSubjectId).distinct().toList();
        return keys.existing(client, subjects).map(byKey -> {
            List<Opened> opened = new ArrayList<>();
            for (ProcessorDirective d : directives) {
                try {
                    opened.add(new Opened(d.getSealedIdentifiers().hasRemaining()
                            ? opened(d, byKey.get(d.getSubjectId())) : d, null));
                } catch (UnreadableCiphertext e) {
                    opened.add(new Opened(d, "sealed identifiers: " + e.getMessage()));
                }
            }
            return opened;
        });
    }

    static ProcessorDirective sealed(ProcessorDirective d, SecretKey key) {
        try {
            byte[] values = JSON.writeValueAsBytes(new TreeMap<>(d.getIdentifierValues()));
            return ProcessorDirective.newBuilder(d).setIdentifiers(Map.of()).setIdentifierValues(Map.of())
                    .setSealedIdentifiers(ByteBuffer.wrap(Aead.seal(key, context(d), values))).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directive with its identifiers in clear; none if the subject's key was shredded. */
    static ProcessorDirective opened(ProcessorDirective d, SecretKey key) {
        Map<String, List<String>> values = Map.of();
        if (key != null) {
            try {
                values = JSON.readValue(Aead.open(key, context(d), d.getSealedIdentifiers().duplicate()), VALUES);
            } catch (IOException e) {
                throw new UnreadableCiphertext("sealed identifiers are not a map of values");
            }
        }
        return ProcessorDirective.newBuilder(d).setSealedIdentifiers(ByteBuffer.allocate(0))
                .setIdentifierValues(values)
                .setIdentifiers(values.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0))))
                .build();
    }

    /** Where sealed identifiers belong: this processor's directive of this subject, by its id. */
    static byte[] context(ProcessorDirective d) {
        return ("directive|" + d.getProcessor() + "|" + d.getSubjectId() + "|" + d.getDirectiveId())
                .getBytes(StandardCharsets.UTF_8);
    }
}
