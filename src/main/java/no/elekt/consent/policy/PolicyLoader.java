package no.elekt.consent.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.quarkus.runtime.Startup;
import no.elekt.consent.events.DirectiveAction;

/** Loads the policy file once and refuses to start on an invalid one, saying what is wrong. */
public class PolicyLoader {

    private static final Logger LOG = Logger.getLogger(PolicyLoader.class);
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    @Produces
    @Singleton
    @Startup
    Policy policy(@ConfigProperty(name = "consent.policy.file") Optional<String> file) {
        String origin = file.orElse("classpath:policy.yaml");
        Policy policy;
        try (InputStream in = file.isPresent()
                ? Files.newInputStream(Path.of(file.get()))
                : PolicyLoader.class.getClassLoader().getResourceAsStream("policy.yaml")) {
            if (in == null) {
                throw new IllegalStateException("Consent policy not found: " + origin);
            }
            policy = parse(in);
        } catch (IOException e) {
            throw new IllegalStateException("Consent policy " + origin + " cannot be read: " + e.getMessage(), e);
        }
        List<String> faults = validate(policy);
        if (!faults.isEmpty()) {
            throw new IllegalStateException(
                    "Consent policy " + origin + " is invalid:\n - " + String.join("\n - ", faults));
        }
        LOG.infof("Consent policy %s loaded from %s: %d purposes, %d processors",
                policy.version(), origin, policy.purposes().size(), policy.processors().size());
        return policy;
    }

    static Policy parse(InputStream in) throws IOException {
        return JsonMapper.builder(new YAMLFactory())
                .findAndAddModules()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build()
                .readValue(in, Policy.class);
    }

    static List<String> validate(Policy policy) {
        List<String> faults = new ArrayList<>();
        if (blank(policy.version())) {
            faults.add("version: must be set");
        }
        if (policy.defaultDeadline() == null || !positive(policy.defaultDeadline())) {
            faults.add("defaultDeadline: must be a positive ISO-8601 duration such as P30D");
        }
        if (policy.processors() == null || policy.processors().isEmpty()) {
            faults.add("processors: at least one processor is needed");
        } else {
            policy.processors().forEach((id, p) -> validateProcessor(id, p, faults));
        }
        if (policy.purposes() == null || policy.purposes().isEmpty()) {
            faults.add("purposes: at least one purpose is needed");
        } else {
            Map<String, Policy.Processor> processors = policy.processors() == null ? Map.of() : policy.processors();
            policy.purposes().forEach((id, p) -> validatePurpose(id, p, processors, faults));
        }
        return faults;
    }

    private static void validateProcessor(String id, Policy.Processor p, List<String> faults) {
        String at = "processors." + id;
        if (!ID.matcher(id).matches()) {
            faults.add(at + ": id must match " + ID.pattern() + " (it is part of a topic name)");
        }
        if (p == null) {
            faults.add(at + ": is empty");
            return;
        }
        if (blank(p.name())) {
            faults.add(at + ".name: must be set");
        }
        if (p.identifiers() == null || p.identifiers().isEmpty()) {
            faults.add(at + ".identifiers: name at least one identifier the processor needs");
        }
        if (p.deadline() != null && !positive(p.deadline())) {
            faults.add(at + ".deadline: must be positive");
        }
    }

    private static void validatePurpose(String id, Policy.Purpose p, Map<String, Policy.Processor> processors,
            List<String> faults) {
        String at = "purposes." + id;
        if (!ID.matcher(id).matches()) {
            faults.add(at + ": id must match " + ID.pattern());
        }
        if (p == null) {
            faults.add(at + ": is empty");
            return;
        }
        if (p.legalBases() == null || p.legalBases().isEmpty()) {
            faults.add(at + ".legalBases: name at least one legal basis");
        }
        if (p.processors() == null || p.processors().isEmpty()) {
            faults.add(at + ".processors: name at least one processor");
        } else {
            p.processors().stream()
                    .filter(processor -> !processors.containsKey(processor))
                    .forEach(processor -> faults.add(at + ".processors: unknown processor '" + processor + "'"));
        }
        if (p.onWithdrawn() == null || p.onWithdrawn() == DirectiveAction.RESUME) {
            faults.add(at + ".onWithdrawn: must be SUPPRESS or DELETE");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
