package no.elekt.consent.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The policy the service ships (policy.yaml), parsed without starting anything: for unit tests. */
public final class ShippedPolicy {

    private ShippedPolicy() {
    }

    public static Policy load() {
        try (InputStream in = ShippedPolicy.class.getClassLoader().getResourceAsStream("policy.yaml")) {
            return PolicyLoader.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
