package no.elekt.consent.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestTokens;

/** Real signed tokens against the running service: who may write, read and operate. */
@QuarkusTest
class AuthenticationTest {

    private final String subject = "auth-" + UUID.randomUUID();

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private Map<String, Object> change(String source) {
        return Map.of("subjectId", subject, "purpose", "newsletter", "decision", "WITHDRAWN",
                "occurredAt", Instant.now().toString(), "source", source);
    }

    private static String writer(String... sources) {
        return TestTokens.token(Set.of(Roles.WRITER), List.of(sources));
    }

    @Inject
    JWTParser parser;

    @Test
    void tokensAreParsedIntoThePrincipalWhoseClaimReadsDoNotThrow() throws ParseException {
        assertThat(parser.parse(writer("web"))).isInstanceOf(QuietClaimsPrincipalFactory.Principal.class);
    }

    @Test
    void anAppBackendWritesForItsOwnSourcesOnly() {
        as(writer("app-android", "app-ios")).contentType(ContentType.JSON).body(change("app-android"))
                .post("/v1/consent-changes").then().statusCode(202);
        as(writer("app-android")).contentType(ContentType.JSON).body(change("web"))
                .post("/v1/consent-changes").then().statusCode(403).contentType("application/problem+json")
                .body("title", equalTo("Source not allowed"));
        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", subject)).isEqualTo(1);
        as(TestTokens.token(Set.of(Roles.WRITER), null)).contentType(ContentType.JSON).body(change("web"))
                .post("/v1/consent-changes").then().statusCode(403);
    }

    @Test
    void anAppBackendFilesRightsRequestsForItsOwnSourcesOnly() {
        String path = "/v1/subjects/" + subject + "/requests";
        as(writer("app-android")).contentType(ContentType.JSON)
                .body(Map.of("type", "RESTRICTION", "purposes", List.of("newsletter"), "source", "web"))
                .post(path).then().statusCode(403).contentType("application/problem+json")
                .body("title", equalTo("Source not allowed"));
        assertThat(Db.count("select count(*) from rights_request where subject_id = ?", subject)).isZero();
        assertThat(Db.rowsFor(subject)).isZero();

        as(writer("app-android")).contentType(ContentType.JSON)
                .body(Map.of("type", "RESTRICTION", "purposes", List.of("newsletter"), "source", "app-android"))
                .post(path).then().statusCode(202);
        assertThat(Db.count("select count(*) from consent_record where subject_id = ? and source = 'app-android'",
                subject)).isEqualTo(1);
    }

    @Test
    void missingExpiredForeignOrForgedTokensAreRefused() {
        given().contentType(ContentType.JSON).body(change("web")).post("/v1/consent-changes").then().statusCode(401);
        as(TestTokens.token(Set.of(Roles.WRITER), List.of("web"), Duration.ofMinutes(-5), TestTokens.AUDIENCE,
                TestTokens.privateKey())).contentType(ContentType.JSON).body(change("web"))
                .post("/v1/consent-changes").then().statusCode(401);
        as(TestTokens.token(Set.of(Roles.WRITER), List.of("web"), Duration.ofMinutes(5), "another-service",
                TestTokens.privateKey())).contentType(ContentType.JSON).body(change("web"))
                .post("/v1/consent-changes").then().statusCode(401);
        as(TestTokens.token(Set.of(Roles.WRITER), List.of("web"), Duration.ofMinutes(5), TestTokens.AUDIENCE,
                TestTokens.strangerKey())).contentType(ContentType.JSON).body(change("web"))
                .post("/v1/consent-changes").then().statusCode(401);
        assertThat(Db.rowsFor(subject)).isZero();
    }

    @Test
    void eachRoleReachesOnlyItsEndpoints() {
        String reader = TestTokens.token(Set.of(Roles.READER), null);
        String ops = TestTokens.token(Set.of(Roles.OPS), null);
        String writer = writer("web");

        as(writer).get("/v1/subjects/" + subject + "/history").then().statusCode(403);
        as(reader).get("/v1/subjects/" + subject + "/history").then().statusCode(200);
        as(reader).contentType(ContentType.JSON).body(change("web")).post("/v1/consent-changes").then().statusCode(403);
        as(writer).get("/v1/ops/propagations").then().statusCode(403);
        as(reader).get("/v1/ops/propagations").then().statusCode(403);
        as(ops).get("/v1/ops/propagations").then().statusCode(200);
        as(ops).get("/v1/subjects/" + subject + "/consents").then().statusCode(200);
        as(writer).get("/v1/purposes").then().statusCode(200);
        given().get("/v1/purposes").then().statusCode(401);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
