package no.elekt.consent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.quarkus.scheduler.Scheduler;

/** On SIGTERM no scheduled job of the core starts again: the scheduler is paused and the core's jobs skip. */
@Tag("unit")
class StoppingTest {

    @Test
    void stoppingPausesTheSchedulerAndTheCoresJobsSkip() {
        List<String> calls = new ArrayList<>();
        Scheduler scheduler = (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
                new Class<?>[]{ Scheduler.class }, (proxy, method, args) -> {
                    calls.add(method.getName());
                    return null;
                });
        Stopping stopping = new Stopping();
        CoreDisabled skip = new CoreDisabled(new RoleSwitches(new io.smallrye.config.SmallRyeConfigBuilder().build()),
                stopping);
        assertThat(skip.test(null)).isFalse();

        stopping.onShutdown(null, scheduler);

        assertThat(calls).contains("pause");
        assertThat(skip.test(null)).isTrue();
    }
}
