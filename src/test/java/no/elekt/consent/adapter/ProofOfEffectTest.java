package no.elekt.consent.adapter;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.adapter.eliq.EliqAdapter;
import no.elekt.consent.adapter.firebase.FirebaseAdapter;
import no.elekt.consent.adapter.mailgun.MailgunAdapter;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.events.Verification;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Issue 12, proof of effect: after a DELETE or SUPPRESS the adapter reads the processor's state back where it can,
 * and the receipt says so with the evidence (never an identifier); a read-back that contradicts the call is retried,
 * then a failure with the evidence; where no read-back exists the receipt says accepted, unverified, and why.
 */
@QuarkusTest
@TestIdentity
class ProofOfEffectTest extends StandInTest {

    static final String UNSUBSCRIBES = "/v3/" + ProcessorStandIns.MAILGUN_DOMAIN + "/unsubscribes/";

    @Inject
    MailgunAdapter mailgun;
    @Inject
    FirebaseAdapter firebase;
    @Inject
    EliqAdapter eliq;

    static String email() {
        return Directives.unique("proof") + "@example.no";
    }

    static ProcessorDirective suppress(String email) {
        return Directives.directive("mailgun", DirectiveAction.SUPPRESS, "marketing", 1, Map.of("email", email));
    }

    static MappingBuilder readBackOf(String email) {
        return WireMock.get(urlPathEqualTo(UNSUBSCRIBES + email)).atPriority(1);
    }

    static ResponseDefinitionBuilder notUnsubscribed() {
        return aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"Address not found in unsubscribers table\"}");
    }

    @Test
    void aSuppressionReadBackThatAgreesIsVerifiedWithItsEvidence() {
        String email = email();

        DirectiveResult result = Directives.apply(mailgun, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(result.proof().status()).isEqualTo(ProofOfEffect.Status.VERIFIED);
        assertThat(result.proof().evidence()).singleElement().satisfies(e -> {
            assertThat(e.check()).isEqualTo("mailgun GET /v3/{domain}/unsubscribes/{address}");
            assertThat(e.answer()).startsWith("200").doesNotContain(email);
        });
        assertThat(ProcessorStandIns.control().state("mailgun", "unsubscribe", email)).isEqualTo("marketing");
    }

    @Test
    void aNotFoundRightAfterTheWriteIsReadAgainBeforeItCountsAsAContradiction() {
        String email = email();
        failsOnce(() -> readBackOf(email), notUnsubscribed()); // Mailgun: a 404 "can be temporal"

        DirectiveResult result = Directives.apply(mailgun, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(result.proof().status()).isEqualTo(ProofOfEffect.Status.VERIFIED);
        standIns.verifyThat(2, getRequestedFor(urlPathEqualTo(UNSUBSCRIBES + email)));
    }

    @Test
    void aReadBackThatContradictsTheCallIsRetriedThenFailsWithTheEvidence() {
        String email = email();
        standIns.register(readBackOf(email).willReturn(notUnsubscribed()));

        DirectiveResult result = Directives.apply(mailgun, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("unsubscribe-read-back").doesNotContain(email);
        assertThat(result.proof().evidence()).singleElement()
                .satisfies(e -> assertThat(e.answer()).contains("404").doesNotContain(email));
        assertThat(standIns.find(getRequestedFor(urlPathEqualTo(UNSUBSCRIBES + email)))).hasSizeGreaterThan(1);
    }

    @Test
    void ga4OffersNoReadBackSoTheDeletionIsAcceptedUnverifiedAndSaysWhy() {
        String appInstance = Directives.unique("app-instance");

        DirectiveResult result = Directives.apply(firebase, Directives.directive("firebase", DirectiveAction.DELETE,
                "analytics", 1, Map.of("firebaseAppInstanceId", appInstance)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(result.proof().status()).isEqualTo(ProofOfEffect.Status.ACCEPTED_UNVERIFIED);
        assertThat(result.proof().note()).isEqualTo("GA4 offers no read-back of user deletions");
        assertThat(result.proof().evidence()).singleElement()
                .satisfies(e -> assertThat(e.answer()).startsWith("200: deletionRequestTime"));
    }

    @Test
    void anAccountDeletionIsVerifiedByLookingTheAccountUp() {
        String uid = Directives.unique("uid");

        DirectiveResult result = Directives.apply(firebase, Directives.directive("firebase", DirectiveAction.DELETE,
                ChangeKind.ERASURE, "analytics", 2, Map.of("firebaseUid", uid)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(result.proof().status()).isEqualTo(ProofOfEffect.Status.VERIFIED);
        assertThat(result.proof().evidence()).singleElement().satisfies(e -> assertThat(e.check())
                .contains("accounts:lookup"));
        assertThat(ProcessorStandIns.control().state("firebase", "account", uid)).isNull();
    }

    /** The receipt on Kafka and the stored one (replayed on redelivery) carry the evidence, and no identifier. */
    @Test
    void theReceiptCarriesTheEvidenceAndNoIdentifier() throws Exception {
        String user = Directives.unique("eliq-user-proof");
        ProcessorDirective directive = Directives.directive("eliq", DirectiveAction.DELETE, "energy-insights", 1,
                Map.of("eliqUserId", user));

        Directives.publish(directive);
        PropagationReceipt receipt = kafka
                .<PropagationReceipt>await(Directives.receipts("eliq"), directive.getSubjectId(), 1)
                .get(0);

        assertThat(receipt.getVerification()).isEqualTo(Verification.VERIFIED);
        assertThat(receipt.getEvidence()).singleElement().satisfies(e -> {
            assertThat(e.getCheck()).isEqualTo("eliq data-management GET /users/{id}");
            assertThat(e.getAnswer()).isEqualTo("400 USER_NOT_FOUND: the user is gone");
        });
        assertThat(receipt.toString()).doesNotContain(user);
        assertThat(
                Db.count("select count(*) from adapter_directive where directive_id = ? and verification = 'VERIFIED' "
                        + "and jsonb_array_length(evidence) = 1", directive.getDirectiveId()))
                .isEqualTo(1);
        assertThat(Db.count("select count(*) from adapter_directive where evidence::text like ?", "%" + user + "%"))
                .isZero();
        assertThat(Files.readString(Path.of("target", "quarkus-test.log"))).doesNotContain(user);
        assertThat(List.of(receipt.getDetail())).noneMatch(d -> d.contains(user));
    }
}
