package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.ShippedPolicy;

/** A directive is built from its propagation alone, first issue or re-issue, with only its processor's identifiers. */
@Tag("unit")
class DirectiveEventsTest {

    static final DirectiveEvents EVENTS = new DirectiveEvents(ShippedPolicy.load());
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    static Propagation erasureAtMailgun() {
        return Propagation.planned(UUID.randomUUID(), "subject-1", "mailgun", DirectiveAction.DELETE,
                NOW.plusSeconds(3600), "newsletter", 7, ChangeKind.ERASURE, UUID.randomUUID(), NOW);
    }

    static final Map<String, List<String>> KNOWN = Map.of("email", List.of("new@example.no", "old@example.no"),
            "fcmToken", List.of("token"));

    @Test
    void theDirectiveCarriesWhatThePropagationWasIssuedWith() {
        Propagation p = erasureAtMailgun();
        ProcessorDirective d = (ProcessorDirective) EVENTS.issued(p, KNOWN).payload();
        assertThat(d.getDirectiveId()).isEqualTo(p.directiveId().toString());
        assertThat(d.getChangeId()).isEqualTo(p.changeId().toString());
        assertThat(d.getAction()).isEqualTo(DirectiveAction.DELETE);
        assertThat(d.getKind()).isEqualTo(ChangeKind.ERASURE);
        assertThat(d.getPurposes()).containsExactly(new PurposeVersion("newsletter", 7L));
        assertThat(d.getIssuedAt()).isEqualTo(NOW);
        assertThat(d.getDeadline()).isEqualTo(NOW.plusSeconds(3600));
    }

    @Test
    void onlyTheProcessorsIdentifiersEveryValueTheNewestAsTheSingleValue() {
        ProcessorDirective d = (ProcessorDirective) EVENTS.issued(erasureAtMailgun(), KNOWN).payload();
        assertThat(d.getIdentifierValues()).containsOnlyKeys("email");
        assertThat(d.getIdentifierValues().get("email")).containsExactly("new@example.no", "old@example.no");
        assertThat(d.getIdentifiers()).containsExactly(Map.entry("email", "new@example.no"));
    }

    @Test
    void theFirstIssueIsTheDirectivesOwnEventAReissueANewOneOfTheSameDirective() {
        Propagation p = erasureAtMailgun();
        Outbox.Event first = EVENTS.issued(p, KNOWN);
        Outbox.Event again = EVENTS.reissued(p, Map.of());
        assertThat(first.eventId()).isEqualTo(p.directiveId());
        assertThat(again.eventId()).isNotEqualTo(p.directiveId());
        assertThat(again.topic()).isEqualTo(first.topic()).isEqualTo("consent.directives.mailgun.v1");
        assertThat(((ProcessorDirective) again.payload()).getDirectiveId()).isEqualTo(p.directiveId().toString());
        assertThat(again.key()).isEqualTo("subject-1");
    }
}
