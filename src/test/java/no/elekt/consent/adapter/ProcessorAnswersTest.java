package no.elekt.consent.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import no.elekt.consent.adapter.ProcessorAnswers.Answer;

/** The one mapping of processors' HTTP answers to outcomes. */
class ProcessorAnswersTest {

    static final ProcessorAnswers.ErrorCodes QUOTA_IF_403_WITH_REASON = new ProcessorAnswers.ErrorCodes() {
        public String code(Answer answer) {
            return answer.body().contains("RATE_LIMIT_EXCEEDED") ? "RATE_LIMIT_EXCEEDED" : "PERMISSION_DENIED";
        }

        public boolean quota(Answer answer) {
            return answer.body().contains("RATE_LIMIT_EXCEEDED");
        }
    };

    static Answer answer(int status, String body) {
        return new Answer(status, body, "application/json", null);
    }

    static CallFailure failure(Answer answer, ProcessorAnswers.ErrorCodes codes) {
        return ProcessorAnswers.failure("op", answer, codes);
    }

    @Test
    void successAndTheCallsOwnGoneAnswerAreValues() {
        assertThat(ProcessorAnswers.effect("op", answer(204, ""), ProcessorAnswers.NONE, a -> false))
                .isEqualTo(Effect.APPLIED);
        assertThat(ProcessorAnswers.effect("op", answer(400, "{\"code\":\"USER_NOT_FOUND\"}"), ProcessorAnswers.NONE,
                a -> a.body().contains("USER_NOT_FOUND"))).isEqualTo(Effect.ALREADY_APPLIED);
        assertThatThrownBy(() -> ProcessorAnswers.effect("op", answer(404, "<html/>"), ProcessorAnswers.NONE,
                a -> false)).isInstanceOf(CallFailure.class).hasMessageContaining("wrong URL");
    }

    @Test
    void aQuotaRefusalIsTransientAndAPermissionRefusalIsFinal() {
        CallFailure quota = failure(answer(403, "{\"reason\":\"RATE_LIMIT_EXCEEDED\"}"), QUOTA_IF_403_WITH_REASON);
        CallFailure denied = failure(answer(403, "{\"status\":\"PERMISSION_DENIED\"}"), QUOTA_IF_403_WITH_REASON);

        assertThat(quota.retryable()).isTrue();
        assertThat(quota.reason()).isEqualTo(CallFailure.Reason.QUOTA);
        assertThat(denied.retryable()).isFalse();
        assertThat(denied.kind()).isEqualTo(CallFailure.Kind.AUTHENTICATION);
        assertThat(denied.getMessage()).isEqualTo("op: HTTP 403 PERMISSION_DENIED (permission refused: credentials "
                + "rejected)");
    }

    @Test
    void tooManyRequestsAndServerErrorsAreTransientWithRetryAfter() {
        CallFailure limited = failure(new Answer(429, "", null, Duration.ofSeconds(3)), ProcessorAnswers.NONE);
        assertThat(limited.retryable()).isTrue();
        assertThat(limited.retryAfter()).contains(Duration.ofSeconds(3));
        assertThat(failure(answer(503, ""), ProcessorAnswers.NONE).retryable()).isTrue();
        assertThat(failure(answer(401, ""), ProcessorAnswers.NONE).kind()).isEqualTo(CallFailure.Kind.AUTHENTICATION);
        assertThat(failure(answer(422, ""), ProcessorAnswers.NONE).kind()).isEqualTo(CallFailure.Kind.PERMANENT);
    }

    @Test
    void onlyADocumentedCodeReachesTheMessageNeverFreeText() {
        ProcessorAnswers.ErrorCodes echo = a -> a.body();
        assertThat(failure(answer(400, "someone@example.no is not valid"), echo).getMessage())
                .isEqualTo("op: HTTP 400 (request refused)");
        assertThat(failure(answer(400, "CONFIGURATION_NOT_FOUND"), echo).getMessage())
                .isEqualTo("op: HTTP 400 CONFIGURATION_NOT_FOUND (request refused)");
    }

    @Test
    void retryAfterIsReadInSecondsOrAsADate() {
        assertThat(ProcessorAnswers.retryAfter("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(ProcessorAnswers.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(ProcessorAnswers.retryAfter("soon")).isNull();
    }
}
