package no.elekt.consent.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.context.ThreadContext;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.context.SmallRyeThreadContext;
import io.smallrye.context.impl.ThreadContextProviderPlan;

/**
 * Neither the CDI contexts (quarkus.arc.context-propagation.enabled=false) nor JTA's (its provider hidden, see
 * application.properties) are propagated through Mutiny and the managed executors. OpenTelemetry's provider is, since
 * the tracing extension registers it unconditionally: the operators are wrapped again (SmallRye's slow path, which was
 * on most stacks of the issue-16 profile), a cost left for the benchmark to measure.
 */
@QuarkusTest
class ContextPropagationTest {

    @Inject
    ThreadContext threadContext;

    @Test
    void noContextIsPropagatedSoNothingIsWrapped() {
        ThreadContextProviderPlan plan = ((SmallRyeThreadContext) threadContext).getPlan();
        // only OpenTelemetry's, which quarkus-opentelemetry registers whatever its settings (issue 17's tracing)
        assertThat(plan.propagatedProviders).as("propagated").allSatisfy(provider -> assertThat(provider.getClass()
                .getName()).startsWith("io.quarkus.opentelemetry."));
        assertThat(plan.clearedProviders).as("cleared").isEmpty();
    }
}
