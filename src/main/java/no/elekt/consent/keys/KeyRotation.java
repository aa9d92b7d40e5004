package no.elekt.consent.keys;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.config.CoreDisabled;
import no.elekt.consent.identifiers.IdentifierVault;
import no.elekt.consent.identifiers.SubjectKeys;

/**
 * Key rotation and the nonce budget, on one interval ({@code consent.key-rotation.interval}), in the core:
 * <ul>
 * <li>re-wraps the subjects' data keys still wrapped by an older key under the active one, a batch per transaction
 * (so once the count reaches 0 an old key wraps nothing and can leave the ring once nothing else it encrypted is
 * kept); {@code consent_crypto_data_keys_to_rewrap} is what is left;</li>
 * <li>adds the encryptions this instance made with each key to {@code crypto_key_usage}, so the count covers every instance over the key's life, and shows the total as
 * {@code consent_crypto_key_encryptions{key}} and its share of {@code consent.key-rotation.nonce-budget} as
 * {@code consent_crypto_nonce_budget_used{key}}: rotate the key before it reaches 1.</li>
 * </ul>
 */
@ApplicationScoped
public class KeyRotation {

    private static final Logger LOG = Logger.getLogger(KeyRotation.class);
    private static final int BATCH = 500;

    private final IdentifierVault vault;
    private final SubjectKeys subjectKeys;
    private final KeyUsageRepository usage;
    private final Pool pool;
    private final MeterRegistry metrics;
    private final double nonceBudget;
    private final Map<String, AtomicLong> encryptions = new ConcurrentHashMap<>();
    private final AtomicLong toRewrap = new AtomicLong();

    KeyRotation(IdentifierVault vault, SubjectKeys subjectKeys, KeyUsageRepository usage, Pool pool,
            MeterRegistry metrics,
            @ConfigProperty(name = "consent.key-rotation.nonce-budget",
                    defaultValue = "4294967296") double nonceBudget) {
        this.vault = vault;
        this.subjectKeys = subjectKeys;
        this.usage = usage;
        this.pool = pool;
        this.metrics = metrics;
        this.nonceBudget = nonceBudget;
        Gauge.builder("consent_crypto_data_keys_to_rewrap", toRewrap, AtomicLong::get)
                .description("Subjects' data keys still wrapped by a key other than the active one").register(metrics);
    }

    @Scheduled(every = "${consent.key-rotation.interval:1m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> sweep() {
        return countEncryptions().chain(this::rewrap)
                .chain(() -> subjectKeys.notUnderActiveKey(pool)).invoke(toRewrap::set).replaceWithVoid();
    }

    /** Re-wraps batches until none is left; answers how many. */
    Uni<Integer> rewrap() {
        return pool.withTransaction(c -> subjectKeys.rewrap(c, BATCH)).chain(done -> done < BATCH
                ? Uni.createFrom().item(done) : rewrap().map(more -> done + more))
                .invoke(done -> {
                    if (done > 0) {
                        LOG.infof("Re-wrapped %d data keys under key '%s'", done, vault.activeKey());
                    }
                });
    }

    /** Adds this instance's new encryptions per key to the shared count, and reads every key's total back. */
    Uni<Void> countEncryptions() {
        Map<String, Long> made = new HashMap<>();
        vault.encryptions().forEach((key, count) -> {
            long n = count.sumThenReset();
            if (n > 0) {
                made.put(key, n);
            }
        });
        return usage.add(made)
                // not counted is not lost: put back for the next sweep
                .onFailure().invoke(() -> made.forEach((key, n) -> vault.encryptions().get(key).add(n)))
                .chain(usage::totals)
                .invoke(totals -> totals.forEach((key, total) -> gauge(key).set(total)))
                .replaceWithVoid();
    }

    private AtomicLong gauge(String key) {
        return encryptions.computeIfAbsent(key, k -> {
            AtomicLong total = new AtomicLong();
            Gauge.builder("consent_crypto_key_encryptions", total, AtomicLong::get).tag("key", k)
                    .description("Encryptions made with the key, by every instance").register(metrics);
            Gauge.builder("consent_crypto_nonce_budget_used", total, t -> t.get() / nonceBudget).tag("key", k)
                    .description("Share of the key's nonce budget (consent.key-rotation.nonce-budget) used")
                    .register(metrics);
            return total;
        });
    }
}
