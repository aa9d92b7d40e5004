package no.elekt.consent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PolicyLoaderTest {

    private static Policy parse(String yaml) throws IOException {
        return PolicyLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theShippedPolicyIsValidAndFollowsThePrivacyPolicy() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("policy.yaml")) {
            Policy policy = PolicyLoader.parse(in);
            assertThat(PolicyLoader.validate(policy)).isEmpty();
            assertThat(policy.purposes()).containsKeys("personalised-ads", "analytics", "push-notifications",
                    "newsletter", "marketing", "family-sharing", "energy-insights");
            assertThat(policy.purposes().get("energy-insights").objectionAllowed()).isTrue();
            assertThat(policy.purposes().get("newsletter").objectionAllowed()).isFalse();
            assertThat(policy.deadlineFor("mailgun")).hasDays(30);
        }
    }

    @Test
    void faultsAreNamedByTheirPath() throws IOException {
        Policy policy = parse("""
                version: ""
                defaultDeadline: P30D
                processors:
                  mailgun: {name: Mailgun, identifiers: []}
                  Bad_Id: {name: X, identifiers: [email]}
                purposes:
                  newsletter: {legalBases: [CONSENT], processors: [mailgun, sendgrid], onWithdrawn: RESUME}
                  marketing: {legalBases: [], processors: [], onWithdrawn: SUPPRESS}
                """);
        List<String> faults = PolicyLoader.validate(policy);
        assertThat(faults).containsExactlyInAnyOrder(
                "version: must be set",
                "processors.mailgun.identifiers: name at least one identifier the processor needs",
                "processors.Bad_Id: id must match [a-z][a-z0-9-]{0,62} (it is part of a topic name)",
                "purposes.newsletter.processors: unknown processor 'sendgrid'",
                "purposes.newsletter.onWithdrawn: must be SUPPRESS or DELETE",
                "purposes.marketing.legalBases: name at least one legal basis",
                "purposes.marketing.processors: name at least one processor");
    }

    @Test
    void unknownKeysAreRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> parse("version: x\ndefaultDeadline: P1D\nprocesors: {}\n"));
    }
}
