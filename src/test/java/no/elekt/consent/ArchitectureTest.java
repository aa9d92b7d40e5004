package no.elekt.consent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * The layout rules of the README, held against the code: feature packages without cycles, SQL sent only by the
 * owners of tables, each table named in the SQL of its owner only, and processor clients that return the answer.
 */
@Tag("unit")
class ArchitectureTest {

    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("no.elekt.consent");

    /** Each table of the core and the one class that reads and writes it (the adapters own theirs). */
    static final Map<String, String> OWNERS = Map.ofEntries(
            Map.entry("consent_record", "ledger/ConsentRecordRepository.java"),
            Map.entry("consent_state", "ledger/ConsentStateRepository.java"),
            Map.entry("idempotency_key", "idempotency/IdempotencyRepository.java"),
            Map.entry("propagation", "propagation/PropagationRepository.java"),
            Map.entry("outbox_event", "outbox/Outbox.java"),
            Map.entry("subject_identifier", "identifiers/IdentifierStore.java"),
            Map.entry("subject_key", "identifiers/SubjectKeys.java"),
            Map.entry("crypto_key_usage", "keys/KeyUsageRepository.java"),
            Map.entry("rights_request", "rights/RightsRequestRepository.java"),
            Map.entry("backfill", "backfill/BackfillRepository.java"),
            Map.entry("adapter_drift", "drift/DriftRepository.java"),
            Map.entry("ops_audit", "audit/OpsAuditRepository.java"),
            Map.entry("outbox_parked", "outbox/Outbox.java"));

    static final Pattern TABLE_IN_SQL = Pattern.compile("(?i)\\b(?:from|into|update|join|listen)\\s+([a-z_]+)\\b");

    @Test
    void theFeaturePackagesDependOnEachOtherWithoutCycles() {
        slices().matching("no.elekt.consent.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    /**
     * Every processor client method returns the processor's {@code Uni<Response>}, read by {@code ProcessorAnswers}:
     * the clients' default mapper is off (application.properties), so a typed return would take a refusal's body for
     * an answer.
     */
    @Test
    void everyRestClientMethodReturnsTheProcessorsResponse() {
        List<String> checked = new ArrayList<>();
        List<String> typed = new ArrayList<>();
        MAIN.stream().filter(c -> c.isAnnotatedWith(RegisterRestClient.class))
                .flatMap(c -> c.getMethods().stream())
                .filter(m -> m.getModifiers().contains(JavaModifier.ABSTRACT))
                .forEach(m -> {
                    checked.add(m.getFullName());
                    if (!m.reflect().getGenericReturnType().getTypeName()
                            .equals("io.smallrye.mutiny.Uni<jakarta.ws.rs.core.Response>")) {
                        typed.add(m.getFullName());
                    }
                });
        assertThat(checked).hasSizeGreaterThan(20); // Mailgun's, Google's and Eliq's
        assertThat(typed).isEmpty();
    }

    @Test
    void onlyTheOwnersOfTablesSendSql() {
        DescribedPredicate<JavaMethodCall> sendsSql = DescribedPredicate.describe("send SQL",
                call -> call.getTargetOwner().isAssignableTo(SqlClient.class)
                        && Set.of("query", "preparedQuery").contains(call.getName()));
        noClasses().that().resideOutsideOfPackage("no.elekt.consent.adapter..")
                .and().haveSimpleNameNotEndingWith("Repository")
                .and().doNotHaveSimpleName("IdentifierStore")
                .and().doNotHaveSimpleName("SubjectKeys")
                .and().doNotHaveSimpleName("Outbox")
                .should().callMethodWhere(sendsSql)
                .check(MAIN);
    }

    @Test
    void eachTableIsNamedInTheSqlOfItsOwnerOnly() throws IOException {
        Path root = Path.of("src/main/java/no/elekt/consent");
        List<String> strays = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String own = root.relativize(file).toString();
                if (own.startsWith("adapter/")) {
                    continue;
                }
                Matcher m = TABLE_IN_SQL.matcher(Files.readString(file));
                while (m.find()) {
                    String owner = OWNERS.get(m.group(1));
                    if (owner != null) {
                        seen.add(m.group(1));
                        if (!owner.equals(own)) {
                            strays.add(own + " names " + m.group(1) + " (owner: " + owner + ")");
                        }
                    }
                }
            }
        }
        assertThat(strays).isEmpty();
        assertThat(seen).containsAll(OWNERS.keySet());
    }
}
