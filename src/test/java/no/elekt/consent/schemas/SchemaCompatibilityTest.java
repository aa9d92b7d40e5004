package no.elekt.consent.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The build fails when a schema in schemas/ can no longer read what any committed version of it wrote
 * (BACKWARD compatibility, the rule the registry enforces too). The history comes from git.
 */
class SchemaCompatibilityTest {

    private static final Path SCHEMAS = Path.of("schemas");
    /** Files whose named types others reference, parsed first. */
    private static final String SHARED_TYPES = "ConsentChanged.avsc";

    @TestFactory
    Stream<DynamicTest> everySchemaReadsWhatEveryCommittedVersionWrote() throws IOException {
        assumeTrue(git("rev-parse", "--is-inside-work-tree").trim().equals("true"), "not a git checkout");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(SCHEMAS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
                Schema current = parse(Files.readString(file), Files.readString(SCHEMAS.resolve(SHARED_TYPES)));
                for (String commit : git("log", "--format=%H", "--", file.toString()).lines().toList()) {
                    String old = git("show", commit + ":" + file);
                    String oldShared = git("show", commit + ":" + SCHEMAS.resolve(SHARED_TYPES));
                    tests.add(DynamicTest.dynamicTest(file.getFileName() + " reads " + commit.substring(0, 8),
                            () -> assertBackwardCompatible(current, parse(old, oldShared))));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void anIncompatibleChangeIsCaught() throws IOException {
        String receipt = Files.readString(SCHEMAS.resolve("PropagationReceipt.avsc"));
        Schema current = parse(receipt, null);
        Schema withRequiredField = parse(receipt.replace("\"fields\": [",
                "\"fields\": [{\"name\": \"tenant\", \"type\": \"string\"},"), null);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(withRequiredField, current).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static void assertBackwardCompatible(Schema reader, Schema writer) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader,
                writer);
        assertThat(result.getType())
                .as("%s must read data written by its committed version: %s", reader.getFullName(),
                        result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    private static Schema parse(String schema, String sharedTypes) {
        Schema.Parser parser = new Schema.Parser();
        if (sharedTypes != null && !schema.equals(sharedTypes)) {
            parser.parse(sharedTypes);
        }
        return parser.parse(schema);
    }

    private static String git(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                return "";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }
}
