package no.elekt.consent.identifiers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * The identifiers processors need for a subject (e-mail, advertising ID, tokens), encrypted at rest.
 * A change may omit identifiers it sent before: the latest value of each type is kept for later directives.
 */
@ApplicationScoped
public class IdentifierStore {

    private final IdentifierVault vault;

    IdentifierStore(IdentifierVault vault) {
        this.vault = vault;
    }

    /** Stores the fresh values and answers every identifier known for the subject. Runs in the caller's transaction. */
    public Uni<Map<String, String>> merge(String subjectId, Map<String, String> fresh) {
        return load(subjectId).chain(known -> {
            Map<String, String> changed = new HashMap<>();
            fresh.forEach((type, value) -> {
                if (!value.equals(known.get(type))) {
                    changed.put(type, value);
                }
            });
            known.putAll(fresh);
            if (changed.isEmpty()) {
                return Uni.createFrom().item(known);
            }
            // one statement for all changed identifiers (one round trip, not one per type); in type order, so
            // concurrent merges of one subject lock its rows in the same order
            List<Map.Entry<String, String>> rows = new ArrayList<>(new TreeMap<>(changed).entrySet());
            StringBuilder sql = new StringBuilder(
                    "insert into subject_identifier (subject_id, type, ciphertext, updated_at) values ");
            for (int i = 0; i < rows.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(:subject, :type").append(i).append(", :ciphertext").append(i)
                        .append(", :now)");
            }
            sql.append(" on conflict (subject_id, type)"
                    + " do update set ciphertext = excluded.ciphertext, updated_at = excluded.updated_at");
            Instant now = Instant.now();
            return Panache.getSession().chain(session -> {
                var query = session.createNativeQuery(sql.toString())
                        .setParameter("subject", subjectId)
                        .setParameter("now", now);
                for (int i = 0; i < rows.size(); i++) {
                    query.setParameter("type" + i, rows.get(i).getKey())
                            .setParameter("ciphertext" + i, vault.encryptText(rows.get(i).getValue()));
                }
                return query.executeUpdate();
            }).replaceWith(known);
        });
    }

    public Uni<Map<String, String>> load(String subjectId) {
        return Panache.getSession().chain(session -> session
                .createNativeQuery("select type, ciphertext from subject_identifier where subject_id = :subject", Object[].class)
                .setParameter("subject", subjectId)
                .getResultList())
                .map(this::decryptAll);
    }

    private Map<String, String> decryptAll(List<Object[]> rows) {
        Map<String, String> identifiers = new HashMap<>();
        for (Object[] row : rows) {
            identifiers.put((String) row[0], vault.decryptText((byte[]) row[1]));
        }
        return identifiers;
    }
}
