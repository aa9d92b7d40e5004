package no.elekt.consent.propagation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;

/** Ops' list of propagations comes a page at a time, earliest deadline first, no row skipped or repeated. */
@QuarkusTest
@TestIdentity
class OpsListPagingTest {

    static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

    @Test
    void theListIsPagedInDeadlineOrder() {
        String processor = "paging-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            UUID id = UUID.randomUUID();
            expected.add(id.toString());
            // two share a deadline: the directive id orders them
            Db.update(
                    """
                            insert into propagation (directive_id, change_id, subject_id, processor, action, status, deadline,
                                created_at, updated_at, purpose, version, kind, issued_at)
                            values (?, gen_random_uuid(), 'paging', ?, 'SUPPRESS', 'PENDING',
                                timestamptz '2027-01-01' + ? * interval '1 day', now(), now(), 'newsletter', 1, 'DECISION', now())""",
                    id, processor, i < 2 ? 0 : i);
        }
        expected.subList(0, 2).sort(null);

        List<String> seen = new ArrayList<>();
        Response page = given().queryParam("processor", processor).queryParam("limit", 2)
                .get("/v1/ops/propagations");
        int pages = 1;
        while (true) {
            page.then().statusCode(200);
            seen.addAll(page.jsonPath().getList("directiveId", String.class));
            String link = page.getHeader("Link");
            if (link == null) {
                break;
            }
            Matcher next = NEXT.matcher(link);
            assertThat(next.find()).isTrue();
            page = given().urlEncodingEnabled(false).get(next.group(1));
            pages++;
        }
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(pages).isEqualTo(3);
        given().queryParam("after", "nonsense").get("/v1/ops/propagations").then().statusCode(400);
    }
}
