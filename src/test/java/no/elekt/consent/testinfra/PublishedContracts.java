package no.elekt.consent.testinfra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.github.tomakehurst.wiremock.extension.requestfilter.RequestFilterAction;
import com.github.tomakehurst.wiremock.extension.requestfilter.StubRequestFilterV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * Checks every request the adapters send the stand-ins against the processor's published machine-readable API
 * description (src/test/resources/processor-specs, origins in SOURCES.md there): a wrong path, method, field, type or
 * a missing credential is refused with 400 (as the processor would refuse it) and recorded, so the adapter's test
 * fails. Requests to a host the stand-in serves but whose processor publishes no description (Google's OAuth token
 * endpoint) pass unchecked.
 */
public final class PublishedContracts implements StubRequestFilterV2 {

    /** A processor API served under a path prefix of the stand-in, and the description its requests must match. */
    record Api(String name, String prefix, String spec, OpenApiInteractionValidator validator) {
        boolean serves(String path) {
            return path.startsWith(prefix);
        }
    }

    private final List<Api> apis;
    private final List<String> violations = new CopyOnWriteArrayList<>();

    PublishedContracts() {
        // most specific prefix first
        apis = List.of(
                api("eliq-insights", StandInModel.ELIQ_INSIGHTS_PATH + "/v3/",
                        "eliq/eliq-insights-api.users-excerpt.openapi-3.0.json", StandInModel.ELIQ_INSIGHTS_PATH),
                api("eliq-data-management", ProcessorStandIns.ELIQ_BASE_PATH + "/",
                        "eliq/eliq-data-management-api.users-excerpt.openapi.yaml", ProcessorStandIns.ELIQ_BASE_PATH),
                api("eliq-auth", "/oauth/token", "eliq/eliq-auth-api.openapi-3.0.json", ""),
                api("ga4-admin", "/v1alpha/properties/", "google/analyticsadmin.v1alpha.subset.openapi.json", ""),
                api("fcm", "/v1/projects/", "google/fcm.v1.topicSubscriptions.subset.openapi.json", ""),
                api("mailgun", "/v3/", "mailgun/mailgun.subset.openapi.json", ""),
                api("mailgun", "/v4/domains/", "mailgun/mailgun.subset.openapi.json", ""),
                api("mailgun-us", StandInModel.US_REGION + "/v", "mailgun/mailgun.subset.openapi.json",
                        StandInModel.US_REGION));
    }

    private final Api identityToolkit = api("identity-toolkit", "/v1/projects/",
            "google/identitytoolkit.v1.subset.openapi.json", "");

    private static Api api(String name, String prefix, String spec, String strip) {
        OpenApiInteractionValidator validator = OpenApiInteractionValidator
                .createForInlineApiSpecification(read("processor-specs/" + spec))
                .withLevelResolver(LevelResolver.create()
                        // a query parameter the processor does not know is a mistake too
                        .withLevel("validation.request.parameter.query.unexpected", ValidationReport.Level.ERROR)
                        .build())
                .withBasePathOverride(strip.isEmpty() ? "/" : strip)
                .build();
        return new Api(name, prefix, spec, validator);
    }

    @Override
    public String getName() {
        return "published-contracts";
    }

    @Override
    public RequestFilterAction filter(Request request, ServeEvent serveEvent) {
        String path = request.getUrl().split("\\?", 2)[0];
        Api api = route(path);
        if (api == null) {
            return RequestFilterAction.continueWith(request);
        }
        ValidationReport report = api.validator().validateRequest(toValidatorRequest(request, path));
        if (!report.hasErrors()) {
            return RequestFilterAction.continueWith(request);
        }
        String errors = report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> m.getKey() + ": " + m.getMessage()).collect(Collectors.joining("; "));
        String violation = request.getMethod() + " " + path + " does not match " + api.spec() + ": " + errors;
        violations.add(violation);
        return RequestFilterAction.stopWith(StandInModel.answer(400, "application/json",
                StandInModel.message("request does not match the published API description: " + errors).toString()));
    }

    /** Which API a path belongs to; Identity Toolkit and FCM share /v1/projects/ and differ by what follows. */
    private Api route(String path) {
        if (path.startsWith("/v1/projects/") && path.contains("/accounts:")) {
            return identityToolkit;
        }
        return apis.stream().filter(a -> a.serves(path)).findFirst().orElse(null);
    }

    private static SimpleRequest toValidatorRequest(Request request, String path) {
        SimpleRequest.Builder builder = new SimpleRequest.Builder(request.getMethod().getName(), path);
        request.getHeaders().all().forEach(h -> builder.withHeader(h.key(), h.values()));
        queryParameters(request.getUrl()).forEach(builder::withQueryParam);
        String body = request.getBodyAsString();
        if (body != null && !body.isEmpty()) {
            builder.withBody(body);
        }
        return builder.build();
    }

    private static Map<String, List<String>> queryParameters(String url) {
        String[] parts = url.split("\\?", 2);
        Map<String, List<String>> params = new java.util.LinkedHashMap<>();
        if (parts.length > 1) {
            for (String pair : parts[1].split("&")) {
                String[] kv = pair.split("=", 2);
                params.computeIfAbsent(StandInModel.decode(kv[0]), k -> new ArrayList<>())
                        .add(kv.length > 1 ? StandInModel.decode(kv[1]) : "");
            }
        }
        return params;
    }

    List<String> violations() {
        return violations;
    }

    private static String read(String resource) {
        try (InputStream in = PublishedContracts.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no API description " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
