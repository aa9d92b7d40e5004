package no.elekt.consent.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.security.Roles;
import no.elekt.consent.testinfra.TestTokens;

/**
 * The console in a real browser (headless Debian chromium driven by Selenium) against the service on real
 * PostgreSQL, Kafka and Apicurio, signed in with real tokens as ./run-local prints them: the privacy officer finds an
 * AddApptr deletion awaiting manual confirmation, confirms it with a note and sees the erasure complete and the
 * identifiers purged; a subject-reader sees the same work but is offered no action, and the API refuses it one.
 */
@QuarkusTest
class ConsoleBrowserTest {

    static final Duration PAGE_WAIT = Duration.ofSeconds(40);

    @TestHTTPResource("/console/")
    URL console;

    static ChromeDriver browser;

    @BeforeAll
    static void startBrowser() {
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theOfficerConfirmsAnAddApptrDeletionAndSeesTheErasureCompleteAndTheIdentifiersPurged() {
        String subject = Directives.unique("officer");
        String adId = "38400000-8cf0-11bd-b23e-" + subject.substring(subject.length() - 12);
        String email = subject.substring(subject.length() - 12) + "@example.no";
        // a newsletter withdrawal first: Mailgun's read-back gives the timeline evidence to show
        as(TestTokens.token(Set.of(Roles.WRITER), List.of("*"))).contentType(ContentType.JSON)
                .body(Map.of("subjectId", subject, "purpose", "newsletter", "decision", "WITHDRAWN", "occurredAt",
                        Instant.now().minusSeconds(120).toString(), "source", "web", "identifiers",
                        Map.of("email", email)))
                .post("/v1/consent-changes").then().statusCode(202);
        String directiveId = erasureAwaitingAddApptr(subject, adId);

        open(TestTokens.token(Set.of(Roles.OPS), null, "privacy-officer"), "#/");
        WebElement row = waitFor(By.cssSelector("[data-testid=work-awaiting-manual] tr[data-directive='" + directiveId
                + "']"));
        assertThat(row.getText()).contains(subject, "addapptr", "personalised-ads", "DELETE");
        assertThat(text("#viewer")).contains("privacy-officer", "ops", HeadlessChromium.TIME_ZONE);
        assertThat(Long.parseLong(browser.findElement(By.cssSelector(
                "[data-testid=processors] tr[data-processor=addapptr] td:nth-of-type(2)")).getText().replace(",", "")
                .replace("\u00a0", ""))).isPositive();
        HeadlessChromium.screenshot(browser, "console-overview");

        row.findElement(By.xpath(".//button[normalize-space()='Confirm…']")).click();
        WebElement dialog = waitFor(By.id("confirm-dialog"));
        assertThat(dialog.getText()).contains("Confirm the deletion at addapptr", subject);
        browser.findElement(By.id("dialog-ok")).click();
        assertThat(waitFor(By.id("dialog-error")).getText()).contains("Write a note");
        browser.findElement(By.id("dialog-note")).sendKeys("AddApptr privacy desk confirmed by e-mail, ticket 4711");
        browser.findElement(By.id("dialog-ok")).click();
        wait(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Confirmed at addapptr"));
        wait(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-directive='" + directiveId
                + "']")));

        // to the subject by keyboard: the search field in the header
        WebElement search = browser.findElement(By.id("subject-id"));
        search.sendKeys(subject, Keys.ENTER);
        waitFor(By.cssSelector("[data-testid=timeline]"));
        // the timeline refreshes itself: the purge shows without a reload
        wait(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-testid=identifiers-none]"),
                "purged"));
        wait(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-testid=requests]"),
                "completed"));
        String timeline = text("[data-testid=timeline]");
        assertThat(timeline).contains("Identifiers purged", "ERASURE", "app-android", "no-2023-04-27", "confirmed",
                "ticket 4711", "mailgun GET /v3/{domain}/unsubscribes/{address}", "verified");
        assertThat(browser.getPageSource()).doesNotContain(adId).doesNotContain(email);
        HeadlessChromium.screenshot(browser, "console-timeline");

        JsonPath propagation = as(TestTokens.token(Set.of(Roles.OPS), null))
                .get("/v1/consent-changes/{id}", changeOf(subject, "ERASURE")).then().statusCode(200).extract()
                .jsonPath();
        assertThat(propagation.getString("propagations.find { it.processor == 'addapptr' }.status"))
                .isEqualTo("CONFIRMED");
        JsonPath export = as(TestTokens.token(Set.of(Roles.READER), null))
                .get("/v1/subjects/{id}/export", subject).then().statusCode(200).extract().jsonPath();
        assertThat(export.getMap("identifiers")).isEmpty();
        assertThat(export.getString("identifiersPurgedAt")).isNotNull();
    }

    @Test
    void aSubjectReaderSeesTheWorkButIsOfferedNoActionAndTheApiRefusesOne() {
        String subject = Directives.unique("reader");
        String adId = "38400000-8cf0-11bd-b23e-" + subject.substring(subject.length() - 12);
        String directiveId = erasureAwaitingAddApptr(subject, adId);
        String readerToken = TestTokens.token(Set.of(Roles.READER), null, "auditor");

        open(readerToken, "#/");
        WebElement row = waitFor(By.cssSelector("[data-testid=work-awaiting-manual] tr[data-directive='" + directiveId
                + "']"));
        assertThat(row.getText()).contains(subject, "awaiting manual");
        assertThat(text("#viewer")).contains("auditor", "read-only");
        assertThat(browser.findElements(By.cssSelector("#view button"))).isEmpty();

        row.findElement(By.linkText(subject)).click();
        WebElement line = waitFor(By.cssSelector("[data-testid=timeline] tr[data-directive='" + directiveId + "']"));
        assertThat(line.getText()).contains("addapptr", "awaiting manual");
        assertThat(text("main")).contains("Read-only: acting needs the ops role.");
        assertThat(browser.findElements(By.xpath("//main//button[normalize-space()='Confirm…']"))).isEmpty();
        // the values stay hidden until asked for
        assertThat(text("[data-testid=identifiers]")).contains("advertisingId", "hidden");
        assertThat(browser.getPageSource()).doesNotContain(adId);
        browser.findElement(By.xpath("//button[normalize-space()='Reveal values']")).click();
        wait(ExpectedConditions.textToBePresentInElementLocated(By.id("revealed"), adId));

        as(readerToken).contentType(ContentType.JSON).body(Map.of("note", "not mine to confirm"))
                .post("/v1/ops/propagations/{id}/confirm", directiveId).then().statusCode(403);
        assertThat(as(TestTokens.token(Set.of(Roles.OPS), null)).get("/v1/consent-changes/{id}",
                changeOf(subject, "ERASURE")).then().extract().jsonPath()
                .getString("propagations.find { it.processor == 'addapptr' }.status")).isEqualTo("AWAITING_MANUAL");
    }

    /** A subject granted personalised ads with an advertising id, then erased: AddApptr's deletion goes by e-mail. */
    private static String erasureAwaitingAddApptr(String subject, String adId) {
        RequestSpecification writer = as(TestTokens.token(Set.of(Roles.WRITER), List.of("*")));
        writer.contentType(ContentType.JSON).body(Map.of("subjectId", subject, "purpose", "personalised-ads",
                "decision", "GRANTED", "occurredAt", Instant.now().minusSeconds(60).toString(), "source",
                "app-android", "policyVersion", "no-2023-04-27", "identifiers", Map.of("advertisingId", adId)))
                .post("/v1/consent-changes").then().statusCode(202);
        as(TestTokens.token(Set.of(Roles.WRITER), List.of("*"))).contentType(ContentType.JSON)
                .body(Map.of("type", "ERASURE", "purposes", List.of("personalised-ads"), "source", "app-android"))
                .post("/v1/subjects/{id}/requests", subject).then().statusCode(202);
        RequestSpecification ops = as(TestTokens.token(Set.of(Roles.OPS), null));
        return Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ops
                .queryParam("status", "AWAITING_MANUAL").queryParam("processor", "addapptr").queryParam("limit", 1000)
                .get("/v1/ops/propagations").then().statusCode(200).extract().jsonPath()
                .getString("find { it.subjectId == '" + subject + "' }.directiveId"), id -> id != null);
    }

    private static String changeOf(String subject, String kind) {
        return as(TestTokens.token(Set.of(Roles.READER), null)).get("/v1/subjects/{id}/history", subject).then()
                .statusCode(200).extract().jsonPath().getString("find { it.kind == '" + kind + "' }.changeId");
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private void open(String token, String route) {
        browser.manage().deleteAllCookies();
        browser.get("about:blank");
        browser.get(console + "#token=" + token + "&" + route.substring(1));
    }

    private static WebElement waitFor(By by) {
        return wait(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits; on a timeout, says what the page showed and what the browser logged (and keeps a screenshot). */
    private static <T> T wait(org.openqa.selenium.support.ui.ExpectedCondition<T> condition) {
        try {
            return new WebDriverWait(browser, PAGE_WAIT).until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            HeadlessChromium.failureScreenshot(browser);
            throw new AssertionError("page showed: " + text("body") + "\nbrowser log: "
                    + browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll(), e);
        }
    }

    private static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }
}
