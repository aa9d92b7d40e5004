package no.elekt.consent.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.context.ThreadContext;
import org.junit.jupiter.api.Test;

import io.quarkus.arc.runtime.context.ArcContextProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.context.SmallRyeThreadContext;
import io.smallrye.context.impl.ThreadContextProviderPlan;

/**
 * The CDI contexts are not propagated through Mutiny and the managed executors
 * (quarkus.arc.context-propagation.enabled=false): no capture, activation and restore of the request context around
 * every operator of the intake's reactive chains. The JTA context is the one left (see application.properties).
 */
@QuarkusTest
class ContextPropagationTest {

    @Inject
    ThreadContext threadContext;

    @Test
    void theCdiContextsAreNotPropagated() {
        ThreadContextProviderPlan plan = ((SmallRyeThreadContext) threadContext).getPlan();
        assertThat(plan.propagatedProviders).as("propagated").noneMatch(ArcContextProvider.class::isInstance);
        assertThat(plan.clearedProviders).as("cleared").noneMatch(ArcContextProvider.class::isInstance);
    }
}
