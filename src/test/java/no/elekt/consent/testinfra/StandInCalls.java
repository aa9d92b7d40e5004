package no.elekt.consent.testinfra;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/** What the processor stand-ins were asked, found by an identifier in the (decoded) URL or body, oldest first. */
public final class StandInCalls {

    private StandInCalls() {
    }

    /** Requests with this method whose URL or body mentions the value. */
    public static List<LoggedRequest> calls(String method, String value) {
        return ProcessorStandIns.wireMock().find(RequestPatternBuilder.allRequests()).stream()
                .filter(r -> r.getMethod().getName().equals(method))
                .filter(r -> decoded(r.getUrl()).contains(value) || decoded(r.getBodyAsString()).contains(value))
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
                .toList();
    }

    /** Their paths, decoded. */
    public static List<String> paths(List<LoggedRequest> requests) {
        return requests.stream().map(r -> decoded(r.getUrl())).toList();
    }

    /** Mailgun calls that lift an unsubscribe of the address (a RESUME). */
    public static List<LoggedRequest> resubscribes(String email) {
        return calls("DELETE", email).stream()
                .filter(r -> decoded(r.getUrl()).contains("/unsubscribes/"))
                .toList();
    }

    private static String decoded(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
