package no.elekt.consent.adapter;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/**
 * The one place where processors' HTTP answers become outcomes: a value ({@link Effect}) or a {@link CallFailure}.
 * What differs per processor is given as an {@link ErrorCodes} (where its documented error code sits, which refusals
 * are a quota) and, per call, which answer means "already gone".
 * <ul>
 * <li>2xx: done;</li>
 * <li>the call's "gone" answer (documented per processor, e.g. Identity Toolkit's 400 USER_NOT_FOUND, Eliq's 400
 * USER_NOT_FOUND, Mailgun's 404 with its JSON not-found message): already done;</li>
 * <li>429, 5xx, and a refusal the processor documents as a quota (Google's 403 with a quota reason): transient,
 * retried, honouring Retry-After;</li>
 * <li>401, and 403 otherwise: credentials or permissions, final and logged for ops;</li>
 * <li>anything else, among them a 404 that is not the documented "gone" (a wrong URL, region or list): final.</li>
 * </ul>
 */
public final class ProcessorAnswers {

    /** A documented error code: upper case, never free text (free text may echo an identifier). */
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{2,63}");

    private ProcessorAnswers() {
    }

    /** A processor's answer, read once. */
    public record Answer(int status, String body, String contentType, Duration retryAfter) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public boolean json() {
            return contentType != null && contentType.toLowerCase().contains("json");
        }
    }

    /** Where a processor puts its documented error code, and which of its refusals are a quota (transient). */
    public interface ErrorCodes {
        /** The error code of an answer, or null. */
        String code(Answer answer);

        /** Whether a refusal is the processor saying "too much, later" (a quota), not "no". */
        default boolean quota(Answer answer) {
            return false;
        }
    }

    /** Codes nowhere: Mailgun answers {"message": free text}. */
    public static final ErrorCodes NONE = answer -> null;

    /**
     * The processor's answer, whatever its status: the REST clients answer a 4xx/5xx as a {@code Response}, their
     * default mapper, which would throw it, being off ({@code microprofile.rest.client.disable.default.mapper}).
     */
    public static Uni<Answer> read(Uni<Response> call) {
        return call.map(ProcessorAnswers::read);
    }

    public static Answer read(Response response) {
        try (response) {
            String body;
            try {
                body = response.hasEntity() ? response.readEntity(String.class) : "";
            } catch (RuntimeException e) {
                body = "";
            }
            return new Answer(response.getStatus(), body == null ? "" : body,
                    response.getHeaderString("Content-Type"), retryAfter(response.getHeaderString("Retry-After")));
        }
    }

    /** Done, already done ({@code gone}), or the failure the answer means. */
    public static Effect effect(String operation, Answer answer, ErrorCodes codes, Predicate<Answer> gone) {
        if (answer.ok()) {
            return Effect.APPLIED;
        }
        if (gone.test(answer)) {
            return Effect.ALREADY_APPLIED;
        }
        throw failure(operation, answer, codes);
    }

    /** The failure an answer that is neither success nor "gone" means. */
    public static CallFailure failure(String operation, Answer answer, ErrorCodes codes) {
        int status = answer.status();
        String code = safeCode(codes.code(answer));
        String reason = operation + ": HTTP " + status + (code == null ? "" : " " + code);
        if (status == 429) {
            return CallFailure.transientFailure(CallFailure.Reason.TOO_MANY_REQUESTS, reason, answer.retryAfter());
        }
        if (status >= 500) {
            return CallFailure.transientFailure(CallFailure.Reason.SERVER_ERROR, reason, answer.retryAfter());
        }
        if (codes.quota(answer)) {
            return CallFailure.transientFailure(CallFailure.Reason.QUOTA, reason + " (quota)", answer.retryAfter());
        }
        if (status == 401) {
            return CallFailure.credentials(reason + " (credentials rejected)");
        }
        if (status == 403) {
            return CallFailure.credentials(reason + " (permission refused: credentials rejected)");
        }
        if (status == 404) {
            return CallFailure.permanent(reason + " (not found: a wrong URL, region, list or resource)");
        }
        return CallFailure.permanent(reason + " (request refused)");
    }

    static String safeCode(String code) {
        return code != null && CODE.matcher(code).matches() ? code : null;
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
