package no.elekt.consent.identifiers;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
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
            Instant now = Instant.now();
            return Multi.createFrom().iterable(changed.entrySet())
                    .onItem().transformToUniAndConcatenate(e -> Panache.getSession().chain(session -> session
                            .createNativeQuery("""
                                    insert into subject_identifier (subject_id, type, ciphertext, updated_at)
                                    values (:subject, :type, :ciphertext, :now)
                                    on conflict (subject_id, type)
                                    do update set ciphertext = excluded.ciphertext, updated_at = excluded.updated_at""")
                            .setParameter("subject", subjectId)
                            .setParameter("type", e.getKey())
                            .setParameter("ciphertext", vault.encryptText(e.getValue()))
                            .setParameter("now", now)
                            .executeUpdate()))
                    .collect().last()
                    .replaceWith(known);
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
