package no.elekt.consent.adapter.firebase;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import no.elekt.consent.adapter.ProcessorAnswers;
import no.elekt.consent.adapter.ProcessorAnswers.Answer;

/**
 * Google's error bodies: {@code {"error": {"code", "message", "status", "details": [{"reason"}], "errors":
 * [{"reason"}]}}}. Identity Toolkit puts its code in {@code message} ("USER_NOT_FOUND", or "CODE : detail"). A 403
 * (or 429) whose status is RESOURCE_EXHAUSTED or whose reason names a quota or rate limit is a quota: retried.
 */
final class GoogleErrors implements ProcessorAnswers.ErrorCodes {

    static final GoogleErrors INSTANCE = new GoogleErrors();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> QUOTA_REASONS = Set.of("RATE_LIMIT_EXCEEDED", "RESOURCE_QUOTA_EXCEEDED",
            "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded", "QUOTA_EXCEEDED");

    @Override
    public String code(Answer answer) {
        JsonNode error = error(answer);
        String message = error.path("message").asText("");
        String identityToolkitCode = message.split(":", 2)[0].trim();
        if (identityToolkitCode.matches("[A-Z][A-Z0-9_]{2,63}")) {
            return identityToolkitCode;
        }
        String reason = reason(error);
        return reason != null && reason.matches("[A-Z][A-Z0-9_]{2,63}") ? reason : error.path("status").asText(null);
    }

    @Override
    public boolean quota(Answer answer) {
        if (answer.status() != 403 && answer.status() != 429) {
            return false;
        }
        JsonNode error = error(answer);
        if ("RESOURCE_EXHAUSTED".equals(error.path("status").asText())) {
            return true;
        }
        for (JsonNode detail : error.path("details")) {
            if (QUOTA_REASONS.contains(detail.path("reason").asText())) {
                return true;
            }
        }
        for (JsonNode e : error.path("errors")) {
            if (QUOTA_REASONS.contains(e.path("reason").asText())) {
                return true;
            }
        }
        return QUOTA_REASONS.contains(code(answer));
    }

    /** Identity Toolkit's code ("USER_NOT_FOUND" in "USER_NOT_FOUND : ..."), or null. */
    static String identityToolkitCode(Answer answer) {
        String message = error(answer).path("message").asText("");
        return message.split(":", 2)[0].trim();
    }

    static JsonNode error(Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("error");
        } catch (java.io.IOException | RuntimeException e) {
            return JSON.createObjectNode();
        }
    }

    private static String reason(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            if (detail.has("reason")) {
                return detail.get("reason").asText();
            }
        }
        return null;
    }
}
