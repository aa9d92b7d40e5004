package no.elekt.consent.adapter;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * The adapters switched on in this deployment, and whether each may consume. At start an enabled adapter without its
 * settings stops the start, naming the missing environment variables; then each adapter checks what it can at its
 * processor ({@link ProcessorAdapter#checkAtStart()}). Until its check passed, its polls are held (nothing is handled
 * or committed); a check the processor refuses stops that adapter for good, logged at ERROR with the setting to fix,
 * and readiness names it; a transient failure is checked again every {@code consent.adapters.startup-check-retry}.
 * The other adapters and the core run on.
 */
@ApplicationScoped
public class AdapterStartup {

    private static final Logger LOG = Logger.getLogger(AdapterStartup.class);

    enum State {
        CHECKING, READY, STOPPED
    }

    record Status(State state, String why) {
    }

    private final Map<String, ProcessorAdapter> enabled = new ConcurrentHashMap<>();
    private final Map<String, Status> status = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
    private final Duration retryEvery;

    AdapterStartup(Instance<ProcessorAdapter> adapters, Config config) {
        this.retryEvery = config.getOptionalValue("consent.adapters.startup-check-retry", Duration.class)
                .orElse(Duration.ofSeconds(30));
        for (ProcessorAdapter adapter : adapters) {
            if (config.getOptionalValue("consent.adapters." + adapter.processor() + ".enabled", Boolean.class)
                    .orElse(false)) {
                enabled.put(adapter.processor(), adapter);
                gates.put(adapter.processor(), new CompletableFuture<>());
                status.put(adapter.processor(), new Status(State.CHECKING, "start-up check not done yet"));
            }
        }
    }

    void onStart(@Observes StartupEvent event) {
        List<String> faults = enabled.values().stream()
                .filter(a -> !a.missingSettings().isEmpty())
                .map(a -> "adapter " + a.processor() + " is enabled but lacks " + a.missingSettings())
                .toList();
        if (!faults.isEmpty()) {
            throw new IllegalStateException("Adapter configuration incomplete:\n - " + String.join("\n - ", faults));
        }
        enabled.values().forEach(this::check);
    }

    private void check(ProcessorAdapter adapter) {
        String processor = adapter.processor();
        Uni.createFrom().deferred(adapter::checkAtStart)
                .subscribe().with(ok -> {
                    status.put(processor, new Status(State.READY, "start-up check passed"));
                    LOG.infof("Adapter %s: start-up check passed; consuming %s", processor,
                            DirectiveChannels.topic(processor));
                    gates.get(processor).complete(null);
                }, failure -> {
                    if (failure instanceof CallFailure call && call.retryable()) {
                        status.put(processor, new Status(State.CHECKING, "start-up check failed for now ("
                                + call.getMessage() + "); trying again"));
                        LOG.warnf("Adapter %s: start-up check failed for now (%s); trying again in %d s", processor,
                                call.getMessage(), retryEvery.toSeconds());
                        Uni.createFrom().voidItem().onItem().delayIt().by(retryEvery)
                                .subscribe().with(x -> check(adapter));
                    } else {
                        String why = failure instanceof StartupCheckFailed || failure instanceof CallFailure
                                ? failure.getMessage() : "unexpected " + failure.getClass().getSimpleName();
                        status.put(processor, new Status(State.STOPPED, why));
                        LOG.errorf("Adapter %s STOPPED: %s. It consumes nothing until the setting is fixed and it is "
                                + "restarted; the rest of the service runs.", processor, why);
                    }
                });
    }

    /** Completes when the processor's adapter passed its start-up check; never, if it was stopped. */
    public Uni<Void> ready(String processor) {
        return Uni.createFrom().completionStage(gates.get(processor));
    }

    /** The enabled adapter of a processor. */
    ProcessorAdapter adapterOf(String processor) {
        ProcessorAdapter adapter = enabled.get(processor);
        if (adapter == null) {
            throw new IllegalStateException("no enabled adapter for processor " + processor);
        }
        return adapter;
    }

    /** Each enabled adapter's state, by processor. */
    Map<String, Status> statuses() {
        return new java.util.TreeMap<>(status);
    }

    /** Whether a processor's adapter runs in this deployment. */
    public boolean enabled(String processor) {
        return enabled.containsKey(processor);
    }

    /** Readiness: up when every enabled adapter passed its start-up check; names each adapter's state. */
    @Readiness
    @ApplicationScoped
    static class Health implements HealthCheck {

        private final AdapterStartup adapters;

        Health(AdapterStartup adapters) {
            this.adapters = adapters;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder health = HealthCheckResponse.named("consent adapters");
            boolean up = true;
            for (Map.Entry<String, Status> e : adapters.statuses().entrySet()) {
                up &= e.getValue().state() == State.READY;
                health.withData(e.getKey(), e.getValue().state() + ": " + e.getValue().why());
            }
            return health.status(up).build();
        }
    }
}
