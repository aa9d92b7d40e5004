package no.elekt.consent.ledger;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * The topics of the Kafka intake channel, {@code consent-change-requests}, made from the app backends configured:
 * each backend {@code <b>} ({@code consent.intake.kafka.backends.<b>=<its sources>}, env
 * {@code CONSENT_INTAKE_KAFKA_BACKENDS_<B>}) writes only its own {@code consent.change-requests.<b>.v1} (its Kafka
 * user's ACL), and a change there is accepted only for the sources listed for it ({@link ChangeRequestConsumer}), as
 * a token's {@code consent_sources} scope it on REST. With no backend configured the core takes changes over REST
 * only.
 */
public class IntakeChannels implements ConfigSourceFactory {

    static final String SOURCES = "consent.intake.kafka.backends.";
    private static final String PREFIX = "mp.messaging.incoming.consent-change-requests.";
    private static final String TOPIC_PREFIX = "consent.change-requests.";
    private static final Pattern PROPERTY = Pattern
            .compile("(?:%[^.]+\\.)?consent\\.intake\\.kafka\\.backends\\.([a-z0-9-]+)");
    private static final Pattern ENVIRONMENT = Pattern.compile("CONSENT_INTAKE_KAFKA_BACKENDS_([A-Z0-9_]+)");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        TreeSet<String> backends = new TreeSet<>();
        for (Iterator<String> names = context.iterateNames(); names.hasNext();) {
            String name = names.next();
            Matcher property = PROPERTY.matcher(name);
            Matcher environment = ENVIRONMENT.matcher(name);
            String backend = property.matches() ? property.group(1)
                    : environment.matches() ? environment.group(1).toLowerCase().replace('_', '-') : null;
            ConfigValue sources = backend == null ? null : context.getValue(SOURCES + backend);
            if (sources != null && sources.getValue() != null && !sources.getValue().isBlank()) {
                backends.add(backend);
            }
        }
        return List.of(new MapBackedConfigSource("consent intake channel (IntakeChannels)", properties(List.copyOf(
                backends)), 200) {
        });
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(200);
    }

    static Map<String, String> properties(List<String> backends) {
        Map<String, String> p = new LinkedHashMap<>();
        if (backends.isEmpty()) {
            p.put(PREFIX + "enabled", "false");
        } else {
            p.put(PREFIX + "enabled", "${consent.core.enabled}");
            p.put(PREFIX + "topics", String.join(",", backends.stream().map(IntakeChannels::topic).toList()));
        }
        return p;
    }

    /** The intake topic of an app backend. */
    public static String topic(String backend) {
        return TOPIC_PREFIX + backend + ".v1";
    }

    /** The backend an intake topic belongs to, or null. */
    static String backendOf(String topic) {
        return topic.startsWith(TOPIC_PREFIX) && topic.endsWith(".v1") && topic.length() > TOPIC_PREFIX.length() + 3
                ? topic.substring(TOPIC_PREFIX.length(), topic.length() - ".v1".length()) : null;
    }
}
