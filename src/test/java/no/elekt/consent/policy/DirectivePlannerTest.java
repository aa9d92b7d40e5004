package no.elekt.consent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.policy.DirectivePlanner.Planned;
import no.elekt.consent.policy.DirectivePlanner.PurposePlan;
import no.elekt.consent.problem.InvalidFieldException;

/** Consent decisions and rights requests planned against the shipped policy. */
@Tag("unit")
class DirectivePlannerTest {

    static DirectivePlanner planner;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = DirectivePlannerTest.class.getClassLoader().getResourceAsStream("policy.yaml")) {
            planner = new DirectivePlanner(PolicyLoader.parse(in));
        }
    }

    private static Map<String, List<Planned>> byPurpose(List<PurposePlan> plans) {
        return plans.stream().collect(Collectors.toMap(PurposePlan::purpose, PurposePlan::directives));
    }

    @Test
    void erasureDeletesAtEveryProcessorOfEveryPurposeAndWithdraws() {
        List<PurposePlan> plans = planner.forRequest(ChangeKind.ERASURE, null);
        assertThat(plans).hasSize(7).allMatch(p -> p.decision() == Decision.WITHDRAWN);
        assertThat(plans).flatExtracting(PurposePlan::directives).extracting(Planned::processor).containsOnly(
                "addapptr", "firebase", "mailgun", "eliq");
        assertThat(plans).flatExtracting(PurposePlan::directives).extracting(Planned::action)
                .containsOnly(DirectiveAction.DELETE);
    }

    @Test
    void objectionCoversOnlyLegitimateInterestPurposes() {
        assertThat(byPurpose(planner.forRequest(ChangeKind.OBJECTION, null)))
                .containsOnlyKeys("analytics", "marketing", "energy-insights");
        assertThat(byPurpose(planner.forRequest(ChangeKind.OBJECTION, List.of("energy-insights"))))
                .containsExactly(Map.entry("energy-insights", List.of(new Planned("eliq", DirectiveAction.DELETE))));
        assertThatThrownBy(() -> planner.forRequest(ChangeKind.OBJECTION, List.of("energy-insights", "newsletter")))
                .isInstanceOf(InvalidFieldException.class)
                .satisfies(e -> assertThat(((InvalidFieldException) e).errors().get(0).field()).isEqualTo("purposes"))
                .hasMessageContaining("withdraw the consent instead");
    }

    @Test
    void restrictionSuppressesEverywhereAndKeepsTheDecision() {
        List<PurposePlan> plans = planner.forRequest(ChangeKind.RESTRICTION, null);
        assertThat(plans).hasSize(7).allMatch(p -> p.decision() == null);
        assertThat(plans).flatExtracting(PurposePlan::directives).extracting(Planned::action)
                .containsOnly(DirectiveAction.SUPPRESS);
    }

    @Test
    void appUninstalledDeletesOnlyAtProcessorsHoldingAppData() {
        Map<String, List<Planned>> plans = byPurpose(planner.forRequest(ChangeKind.APP_UNINSTALLED, null));
        assertThat(plans).containsOnlyKeys("personalised-ads", "analytics", "push-notifications", "family-sharing");
        assertThat(plans.values()).flatExtracting(list -> list).extracting(Planned::processor)
                .containsOnly("addapptr", "firebase");
        assertThatThrownBy(() -> planner.forRequest(ChangeKind.APP_UNINSTALLED, List.of("newsletter")))
                .isInstanceOf(InvalidFieldException.class);
    }

    @Test
    void unknownOrNoPurposesAreRefused() {
        assertThatThrownBy(() -> planner.forRequest(ChangeKind.ERASURE, List.of("horoscopes")))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("purposes: unknown purpose");
        assertThatThrownBy(() -> planner.forRequest(ChangeKind.ERASURE, List.of()))
                .isInstanceOf(InvalidFieldException.class);
    }
}
