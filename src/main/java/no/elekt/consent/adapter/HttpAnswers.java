package no.elekt.consent.adapter;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/** Reading processors' HTTP answers: every status becomes a value or a {@link CallFailure}, never a stray exception. */
public final class HttpAnswers {

    private HttpAnswers() {
    }

    /** The processor's answer, whatever its status (the REST client throws on 4xx/5xx; we want the response). */
    public static Uni<Response> answer(Uni<Response> call) {
        return call.onFailure(WebApplicationException.class)
                .recoverWithItem(e -> ((WebApplicationException) e).getResponse());
    }

    public static boolean ok(Response response) {
        return response.getStatusInfo().getFamily() == Response.Status.Family.SUCCESSFUL;
    }

    /** The body of an error answer, to look for a processor's error code; empty if unreadable. */
    public static String body(Response response) {
        try {
            return response.hasEntity() ? response.readEntity(String.class) : "";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The failure an unexpected status means: 429 and 5xx are retryable, 401/403 are credentials, others final. */
    public static CallFailure failure(String operation, Response response) {
        int status = response.getStatus();
        String reason = operation + ": HTTP " + status;
        if (status == 429 || status >= 500) {
            return new CallFailure(CallFailure.Kind.RETRYABLE, reason, retryAfter(response));
        }
        if (status == 401 || status == 403) {
            return new CallFailure(CallFailure.Kind.AUTHENTICATION, reason + " (credentials rejected)", null);
        }
        return CallFailure.permanent(reason + " (request refused)");
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(Response response) {
        String value = response.getHeaderString("Retry-After");
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
