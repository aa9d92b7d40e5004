package no.elekt.consent.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.smallrye.config.WithDefault;
import no.elekt.consent.adapter.addapptr.AddApptrConfig;
import no.elekt.consent.adapter.eliq.EliqConfig;
import no.elekt.consent.adapter.firebase.FirebaseConfig;
import no.elekt.consent.adapter.mailgun.MailgunConfig;

/**
 * A backfill never offers a processor more directives a second than its adapter may make calls: a directive that
 * reaches the processor takes at least one (Mailgun's bulk unsubscribe is followed by a read-back per address), so a
 * faster backfill only grows a backlog on the processor's directive topic, behind which the changes people make
 * meanwhile wait. (Directives that take more are held back by {@code consent.backfill.max-pending}: BackfillTest.)
 */
class BackfillRatesTest {

    @Test
    void theShippedBackfillRateOfEachProcessorIsWithinItsAdaptersCallRate() throws IOException {
        Properties shipped = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            shipped.load(in);
        }
        Map<String, Class<?>> adapters = Map.of("mailgun", MailgunConfig.class, "firebase", FirebaseConfig.class,
                "eliq", EliqConfig.class, "addapptr", AddApptrConfig.class);

        adapters.forEach((processor, config) -> {
            double backfill = Double.parseDouble(shipped.getProperty("%prod.consent.backfill.rates." + processor,
                    shipped.getProperty("consent.backfill.rates." + processor,
                            shipped.getProperty("consent.backfill.default-rate"))));
            double calls = Double.parseDouble(shipped.getProperty("%prod.consent.adapters." + processor + ".rate-limit",
                    shipped.getProperty("consent.adapters." + processor + ".rate-limit", defaultRateLimit(config))));
            if (calls == 0) {
                return; // unlimited
            }
            assertThat(backfill).as("backfill rate of %s against its adapter's %s calls a second", processor, calls)
                    .isPositive().isLessThanOrEqualTo(calls);
        });
    }

    private static String defaultRateLimit(Class<?> config) {
        try {
            return config.getMethod("rateLimit").getAnnotation(WithDefault.class).value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(config + " has no rateLimit()", e);
        }
    }
}
