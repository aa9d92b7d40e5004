package no.elekt.consent.adapter.addapptr;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import no.elekt.consent.adapter.DirectiveResult;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.adapter.StandInTest;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.testinfra.ProcessorStandIns;

/** The AddApptr adapter: a deletion request by e-mail over real SMTP (GreenMail), then AWAITING_MANUAL. */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
class AddApptrAdapterTest extends StandInTest {

    @Inject
    AddApptrAdapter adapter;

    @Test
    void personalisedAdsWithdrawalAtTheApiMailsTheDeletionRequestAndAwaitsConfirmation() {
        String subject = Directives.unique("subject");
        String adId = UUID.randomUUID().toString();
        Directives.postChange(subject, "personalised-ads", "WITHDRAWN", Map.of("advertisingId", adId));

        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.receipts("addapptr"), subject, 1)
                .get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.AWAITING_MANUAL);
        assertThat(receipt.getDetail()).doesNotContain(adId);

        List<String> mails = mailsContaining(adId);
        assertThat(mails).hasSize(1);
        assertThat(mails.get(0)).contains("To: " + ProcessorStandIns.ADDAPPTR_PRIVACY_CONTACT,
                "Data deletion request", receipt.getDirectiveId());
    }

    @Test
    void resumeIsNotApplicableAndSendsNothing() {
        String adId = Directives.unique("ad-id");
        DirectiveResult result = Directives.apply(adapter, Directives.directive("addapptr", DirectiveAction.RESUME,
                "personalised-ads", 2, Map.of("advertisingId", adId)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.NOT_APPLICABLE);
        assertThat(mailsNow(adId)).isEmpty();
    }

    @Test
    void withoutAnAdvertisingIdThereIsNothingToAskFor() {
        DirectiveResult result = Directives.apply(adapter, Directives.directive("addapptr", DirectiveAction.DELETE,
                "personalised-ads", 1, Map.of()));
        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.NOT_APPLICABLE);
    }

    static List<String> mailsContaining(String text) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !mailsNow(text).isEmpty());
        return mailsNow(text);
    }

    static List<String> mailsNow(String text) {
        return Arrays.stream(ProcessorStandIns.start().getReceivedMail()).filter(m -> m.contains(text)).toList();
    }
}
