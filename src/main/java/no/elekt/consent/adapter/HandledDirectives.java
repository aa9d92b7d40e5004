package no.elekt.consent.adapter;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.events.ReadBack;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.events.Verification;

/**
 * What adapters remember (V2__adapters.sql, V20__adapter_proof_and_drift.sql): the receipt of every directive handled, so a redelivery is answered
 * with the same receipt and no second call, and per processor, subject and purpose the highest version applied and
 * what it asked, so older work is superseded (a deletion never is: see {@link DirectiveHandler}).
 */
@ApplicationScoped
public class HandledDirectives {

    /** One subject and purpose at a processor. */
    public record SubjectPurpose(String subjectId, String purpose) {
    }

    /** The highest version applied for a subject and purpose, and what it asked (null if recorded before V5). */
    public record Applied(long version, DirectiveAction action) {
    }

    private final Pool pool;

    HandledDirectives(Pool pool) {
        this.pool = pool;
    }

    /** The receipts already given for these directives, by directive id. */
    public Uni<Map<String, PropagationReceipt>> receipts(String processor, List<String> directiveIds) {
        return pool.preparedQuery("""
                select directive_id, change_id, subject_id, receipt_id, outcome, detail, attempts, completed_at,
                    verification, verification_note, evidence::text as evidence
                from adapter_directive where processor = $1 and directive_id = any($2)""")
                .execute(Tuple.of(processor, directiveIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, PropagationReceipt> receipts = new HashMap<>();
                    for (Row row : rows) {
                        receipts.put(row.getString("directive_id"), PropagationReceipt.newBuilder()
                                .setReceiptId(row.getUUID("receipt_id").toString())
                                .setDirectiveId(row.getString("directive_id"))
                                .setChangeId(row.getString("change_id"))
                                .setSubjectId(row.getString("subject_id"))
                                .setProcessor(processor)
                                .setOutcome(ReceiptOutcome.valueOf(row.getString("outcome")))
                                .setDetail(row.getString("detail"))
                                .setAttempts(row.getInteger("attempts"))
                                .setCompletedAt(row.getOffsetDateTime("completed_at").toInstant())
                                .setVerification(row.getString("verification") == null ? Verification.NOT_RECORDED
                                        : Verification.valueOf(row.getString("verification")))
                                .setVerificationNote(row.getString("verification_note"))
                                .setEvidence(evidence(row.getString("evidence")))
                                .build());
                    }
                    return receipts;
                });
    }

    /** The versions applied for these subjects. */
    public Uni<Map<SubjectPurpose, Applied>> appliedVersions(String processor, Set<String> subjectIds) {
        return pool.preparedQuery("""
                select subject_id, purpose, version, action from adapter_applied_version
                where processor = $1 and subject_id = any($2)""")
                .execute(Tuple.of(processor, subjectIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<SubjectPurpose, Applied> versions = new HashMap<>();
                    for (Row row : rows) {
                        String action = row.getString("action");
                        versions.put(new SubjectPurpose(row.getString("subject_id"), row.getString("purpose")),
                                new Applied(row.getLong("version"),
                                        action == null ? null : DirectiveAction.valueOf(action)));
                    }
                    return versions;
                });
    }

    /**
     * Records receipts given, in one transaction, and raises the applied versions of those that settle their
     * directive's versions. Failed directives are not recorded: a redelivery or an ops retry tries them again.
     */
    public Uni<Void> record(String processor, List<Handled> handled) {
        List<Tuple> receipts = new ArrayList<>();
        List<Tuple> versions = new ArrayList<>();
        for (Handled h : handled) {
            PropagationReceipt r = h.receipt();
            receipts.add(Tuple.from(List.of(processor, r.getDirectiveId(), r.getChangeId(), r.getSubjectId(),
                    UUID.fromString(r.getReceiptId()), r.getOutcome().name(),
                    detail(r.getDetail()), r.getAttempts(),
                    OffsetDateTime.ofInstant(r.getCompletedAt(), ZoneOffset.UTC), r.getVerification().name(),
                    r.getVerificationNote() == null ? "" : r.getVerificationNote(), evidenceJson(r.getEvidence()))));
            if (h.settlesVersion()) {
                for (PurposeVersion pv : h.directive().getPurposes()) {
                    versions.add(Tuple.of(processor, h.directive().getSubjectId(), pv.getPurpose(), pv.getVersion(),
                            h.directive().getAction().name(), OffsetDateTime.now(ZoneOffset.UTC)));
                }
            }
        }
        if (receipts.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.withTransaction(connection -> insertReceipts(connection, receipts)
                .chain(() -> raiseVersions(connection, versions)));
    }

    /** The detail as kept: at most its column's 512 characters (a processor's error text can be longer). */
    private static String detail(String detail) {
        return detail == null ? "" : detail.length() > 512 ? detail.substring(0, 511) + "…" : detail;
    }

    private static Uni<Void> insertReceipts(SqlConnection connection, List<Tuple> receipts) {
        return connection.preparedQuery("""
                insert into adapter_directive (processor, directive_id, change_id, subject_id, receipt_id, outcome,
                    detail, attempts, completed_at, verification, verification_note, evidence)
                values ($1, $2, $3, $4, $5, $6, nullif($7, ''), $8, $9, $10, nullif($11, ''), $12::text::jsonb)
                on conflict (processor, directive_id) do nothing""")
                .executeBatch(receipts).replaceWithVoid();
    }

    private static Uni<Void> raiseVersions(SqlConnection connection, List<Tuple> versions) {
        if (versions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return connection.preparedQuery("""
                insert into adapter_applied_version as v (processor, subject_id, purpose, version, action, updated_at)
                values ($1, $2, $3, $4, $5, $6)
                on conflict (processor, subject_id, purpose) do update
                set version = greatest(v.version, excluded.version),
                    action = case when excluded.version > v.version then excluded.action else v.action end,
                    updated_at = excluded.updated_at""")
                .executeBatch(versions).replaceWithVoid();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The read-backs of a receipt, as stored (a JSON array of {check, checkedAt, answer}). */
    static String evidenceJson(List<ReadBack> evidence) {
        ArrayNode array = JSON.createArrayNode();
        evidence.forEach(e -> array.addObject().put("check", e.getCheck())
                .put("checkedAt", e.getCheckedAt().toString()).put("answer", e.getAnswer()));
        return array.toString();
    }

    static List<ReadBack> evidence(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            List<ReadBack> evidence = new ArrayList<>();
            for (JsonNode e : JSON.readTree(json)) {
                evidence.add(new ReadBack(e.path("check").asText(), java.time.Instant.parse(e.path("checkedAt")
                        .asText()), e.path("answer").asText()));
            }
            return evidence;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable evidence in adapter_directive", e);
        }
    }

    /** A directive with the receipt given for it. */
    public record Handled(ProcessorDirective directive, PropagationReceipt receipt, boolean settlesVersion) {
    }

    /**
     * Retention: removes at most {@code limit} receipts of these processors completed before the cutoff; answers how
     * many. A directive redelivered after that is carried out again (the processors' calls are idempotent), and the
     * applied versions, which make older work lose, are kept.
     */
    public Uni<Integer> deleteCompletedBefore(List<String> processors, java.time.Instant cutoff, int limit) {
        return pool.preparedQuery("""
                delete from adapter_directive where ctid = any(array(
                    select ctid from adapter_directive where processor = any($1) and completed_at < $2 limit $3))""")
                .execute(Tuple.of(processors.toArray(String[]::new), OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC),
                        limit))
                .map(rows -> rows.rowCount());
    }
}
