package no.elekt.consent.subject;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;
import no.elekt.consent.testinfra.TestTokens;

/**
 * A subject with 100,000 ledger rows: history answers a page at a time, in a stable order, each page as fast as the
 * first; the export streams the whole ledger rather than building it in memory.
 */
@QuarkusTest
@TestIdentity
class LongLedgerTest {

    static final int ROWS = 100_000;
    static final String SUBJECT = "long-ledger-" + UUID.randomUUID();
    static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

    @BeforeAll
    static void ledgerOf100000Rows() {
        Db.update("""
                insert into consent_record (change_id, subject_id, purpose, kind, decision, version, occurred_at,
                    recorded_at, source, policy_version, in_force)
                select gen_random_uuid(), ?, 'analytics', 'DECISION',
                       case when g % 2 = 0 then 'GRANTED' else 'WITHDRAWN' end, g,
                       timestamptz '2026-01-01' + g * interval '1 second',
                       timestamptz '2026-01-01' + (g / 4) * interval '1 millisecond',
                       'app-android', 'no-2023-04-27', true
                from generate_series(1, ?) g""", SUBJECT, ROWS);
    }

    @Test
    void historyIsPagedInAStableOrderEachPageAsFastAsTheFirst() {
        given().get("/v1/subjects/" + SUBJECT + "-warm-up/history").then().statusCode(200);
        Instant started = Instant.now();
        Response first = given().get("/v1/subjects/" + SUBJECT + "/history");
        Duration firstPage = Duration.between(started, Instant.now());
        first.then().statusCode(200);
        assertThat(first.jsonPath().getList("$")).hasSize(1000);
        assertThat(firstPage).isLessThan(Duration.ofSeconds(2));

        long expected = 1;
        String next = first.getHeader("Link");
        List<Integer> versions = first.jsonPath().getList("version", Integer.class);
        int pages = 1;
        Duration slowest = firstPage;
        while (true) {
            // several rows share a recorded_at (4 a millisecond): the cursor neither skips nor repeats one
            for (int version : versions) {
                assertThat(version).isEqualTo(expected++);
            }
            if (next == null) {
                break;
            }
            Matcher link = NEXT.matcher(next);
            assertThat(link.find()).isTrue();
            Instant asked = Instant.now();
            Response page = given().urlEncodingEnabled(false).get(link.group(1));
            Duration took = Duration.between(asked, Instant.now());
            slowest = took.compareTo(slowest) > 0 ? took : slowest;
            page.then().statusCode(200);
            versions = page.jsonPath().getList("version", Integer.class);
            next = page.getHeader("Link");
            pages++;
        }
        System.out.printf("LongLedgerTest: %d history pages, first in %d ms, slowest in %d ms%n", pages,
                firstPage.toMillis(), slowest.toMillis());
        assertThat(expected - 1).isEqualTo(ROWS);
        // 100 full pages; a full last page cannot know it is the last, so an empty one may follow
        assertThat(pages).isBetween(100, 101);
        assertThat(slowest).isLessThan(Duration.ofSeconds(2));
        given().queryParam("after", "not-a-cursor").get("/v1/subjects/" + SUBJECT + "/history").then()
                .statusCode(400);
    }

    @Test
    void theExportIsStreamedWithTheWholeLedger() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                + "/v1/subjects/" + SUBJECT + "/export"))
                .header("Authorization", "Bearer " + TestTokens.token(Set.of("subject-reader"), List.of("*")))
                .build();
        Instant asked = Instant.now();
        HttpResponse<InputStream> export = HttpClient.newHttpClient().send(request, BodyHandlers.ofInputStream());
        assertThat(export.statusCode()).isEqualTo(200);
        int entries = 0;
        String subject = null;
        Duration firstBytes;
        try (InputStream body = new BufferedInputStream(export.body())) {
            body.mark(16);
            assertThat(body.read()).isEqualTo('{');
            firstBytes = Duration.between(asked, Instant.now());
            body.reset();
            try (JsonParser json = new JsonFactory().createParser(body)) {
                json.nextToken();
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String field = json.currentName();
                    json.nextToken();
                    if (field.equals("history")) {
                        while (json.nextToken() == JsonToken.START_OBJECT) {
                            json.skipChildren();
                            entries++;
                        }
                    } else if (field.equals("subjectId")) {
                        subject = json.getText();
                    } else {
                        json.skipChildren();
                    }
                }
            }
        }
        Duration whole = Duration.between(asked, Instant.now());
        System.out.printf("LongLedgerTest: export's first bytes after %d ms, the whole after %d ms%n",
                firstBytes.toMillis(), whole.toMillis());
        assertThat(subject).isEqualTo(SUBJECT);
        assertThat(entries).isEqualTo(ROWS);
        // streamed: it starts as soon as the first page is read, not once the whole ledger is built in memory
        assertThat(firstBytes).isLessThan(whole.dividedBy(4));
    }
}
