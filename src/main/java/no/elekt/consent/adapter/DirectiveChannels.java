package no.elekt.consent.adapter;

import java.util.ArrayList;
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
import no.elekt.consent.lanes.PollHandover;

/**
 * The configuration of the one directive channel, {@code directives}, made from the adapters switched on
 * ({@code consent.adapters.<p>.enabled}, env {@code CONSENT_ADAPTERS_<P>_ENABLED}).
 * <p>
 * Why one channel: SmallRye Reactive Messaging needs a channel name written in an {@code @Incoming} annotation, so
 * a channel per processor meant an adapter class per processor that only carried that annotation. Instead the shell
 * has one {@code @Incoming("directives")} method, and this factory gives the channel one copy per enabled adapter
 * (SmallRye's {@code concurrency}, copies {@code directives$1..n}, each with its own Kafka consumer, processed
 * concurrently), each copy reading only {@code consent.directives.<p>.v1} in the group {@code consent-adapter-<p>}
 * and dead-lettering to its own {@code consent.directives.<p>.v1.dlq}. A deployment with one adapter (production:
 * one Deployment and Kafka user per adapter) has exactly that one consumer, as the ACLs in
 * deploy/k8s/base/kafka/users.yaml require. Per processor, {@code consent.adapters.<p>.max-poll-records} and
 * {@code .unprocessed-record-max-age} tune its copy. Values set in application.properties for the channel win over
 * these (this source's ordinal is below it).
 */
public class DirectiveChannels implements ConfigSourceFactory {

    static final String CHANNEL = "directives";
    private static final String PREFIX = "mp.messaging.incoming." + CHANNEL;
    private static final Pattern PROPERTY = Pattern
            .compile("(?:%[^.]+\\.)?consent\\.adapters\\.([a-z0-9-]+)\\.enabled");
    private static final Pattern ENVIRONMENT = Pattern.compile("CONSENT_ADAPTERS_([A-Z0-9_]+)_ENABLED");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return List.of(new MapBackedConfigSource("consent adapter channels (DirectiveChannels)",
                properties(enabled(context), name -> value(context, name)), 200) {
        });
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(200);
    }

    /** The processors whose adapter is switched on, sorted (copy numbers are stable). */
    static List<String> enabled(ConfigSourceContext context) {
        TreeSet<String> candidates = new TreeSet<>();
        for (Iterator<String> names = context.iterateNames(); names.hasNext();) {
            String name = names.next();
            Matcher property = PROPERTY.matcher(name);
            Matcher environment = ENVIRONMENT.matcher(name);
            if (property.matches()) {
                candidates.add(property.group(1));
            } else if (environment.matches() && !environment.group(1).equals("CALLS")) {
                candidates.add(environment.group(1).toLowerCase().replace('_', '-'));
            }
        }
        List<String> enabled = new ArrayList<>();
        for (String processor : candidates) {
            if ("true".equalsIgnoreCase(value(context, "consent.adapters." + processor + ".enabled"))) {
                enabled.add(processor);
            }
        }
        return enabled;
    }

    static Map<String, String> properties(List<String> processors, java.util.function.Function<String, String> config) {
        Map<String, String> p = new LinkedHashMap<>();
        if (processors.isEmpty()) {
            p.put(PREFIX + ".enabled", "false");
            return p;
        }
        // stated even where it is the default: Quarkus records the values a build saw as runtime defaults, and a build
        // with no adapter on (the prod profile) would otherwise leave the channel disabled at run time
        p.put(PREFIX + ".enabled", "true");
        p.put(PREFIX + ".connector", "smallrye-kafka");
        p.put(PREFIX + ".batch", "true");
        p.put(PREFIX + ".auto.offset.reset", "earliest");
        p.put(PREFIX + ".key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        // read as bytes and decoded by the shell, so an unreadable record is dead-lettered as it came
        p.put(PREFIX + ".value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        p.put(PREFIX + ".commit-strategy", "throttled");
        // the shell dead-letters failures itself; the connector's strategy is the backstop for the unforeseen
        p.put(PREFIX + ".failure-strategy", "dead-letter-queue");
        // a partition is given up only once its running polls have ended
        p.put(PREFIX + ".consumer-rebalance-listener.name", PollHandover.NAME);
        p.put(PREFIX + ".concurrency", Integer.toString(processors.size()));
        for (int i = 0; i < processors.size(); i++) {
            String processor = processors.get(i);
            String settings = "consent.adapters." + processor + ".";
            // the copy's own keys; with one adapter also the channel's (SmallRye makes copies only beyond one)
            for (String copy : processors.size() > 1 ? List.of(PREFIX + "$" + (i + 1))
                    : List.of(PREFIX + "$1", PREFIX)) {
                p.put(copy + ".topic", topic(processor));
                p.put(copy + ".group.id", "consent-adapter-" + processor);
                p.put(copy + ".dead-letter-queue.topic", topic(processor) + ".dlq");
                p.put(copy + ".max.poll.records", orElse(config.apply(settings + "max-poll-records"), "100"));
                // a directive may retry for up to the call budget: a longer unprocessed-record age before unhealthy
                p.put(copy + ".throttled.unprocessed-record-max-age.ms",
                        orElse(config.apply(settings + "unprocessed-record-max-age-ms"), "180000"));
            }
        }
        return p;
    }

    /** The directive topic of a processor. */
    public static String topic(String processor) {
        return "consent.directives." + processor + ".v1";
    }

    /** The processor a directive topic belongs to, or null. */
    public static String processorOf(String topic) {
        return topic.startsWith("consent.directives.") && topic.endsWith(".v1")
                ? topic.substring("consent.directives.".length(), topic.length() - ".v1".length()) : null;
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null ? null : value.getValue();
    }

    private static String orElse(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
