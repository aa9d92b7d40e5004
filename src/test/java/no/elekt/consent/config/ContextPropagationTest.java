package no.elekt.consent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;

import jakarta.inject.Inject;

import org.eclipse.microprofile.context.ThreadContext;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.context.SmallRyeThreadContext;
import io.smallrye.context.impl.ThreadContextProviderPlan;

/**
 * No thread context is propagated through Mutiny and the managed executors: not the CDI contexts
 * (quarkus.arc.context-propagation.enabled=false), nor JTA's (its provider hidden, see application.properties). So no
 * operator of the intake's reactive chains is wrapped in SmallRye's slow path (SlowContextualFunction,
 * SlowActiveContextState), which was on most stacks of the profile.
 */
@QuarkusTest
class ContextPropagationTest {

    @Inject
    ThreadContext threadContext;

    @Test
    void noContextIsPropagatedSoNothingIsWrapped() {
        ThreadContextProviderPlan plan = ((SmallRyeThreadContext) threadContext).getPlan();
        assertThat(plan.propagatedProviders).as("propagated").isEmpty();
        assertThat(plan.clearedProviders).as("cleared").isEmpty();
        Function<String, String> function = String::trim;
        assertThat(threadContext.contextualFunction(function)).isSameAs(function);
    }
}
