package no.elekt.consent.audit;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** Records each ops action with the caller's principal, and lists them. */
@ApplicationScoped
public class OpsAudit {

    private static final Logger LOG = Logger.getLogger(OpsAudit.class);

    /** A page of entries, newest first; {@code next} is the cursor of the following page, null after the last. */
    public record Page(List<AuditEntry> entries, Long next) {
    }

    private final OpsAuditRepository repository;
    private final Pool pool;
    private final SecurityIdentity caller;

    OpsAudit(OpsAuditRepository repository, Pool pool, SecurityIdentity caller) {
        this.repository = repository;
        this.pool = pool;
        this.caller = caller;
    }

    /**
     * The caller, read now: call it on the request's thread, before the action. Its row is written after the action,
     * which may end on another thread, where the request context (and so the caller) is not active.
     */
    public Actor actor() {
        return new Actor(caller.getPrincipal().getName());
    }

    /** Who takes an ops action. */
    public final class Actor {

        private final String principal;

        private Actor(String principal) {
            this.principal = principal;
        }

        public String principal() {
            return principal;
        }

        /** Records an action just taken; {@code note} is free text from the caller or a summary. */
        public Uni<Void> record(OpsAction action, String target, String note) {
            LOG.infof("Ops action %s on %s by %s", action, target, principal);
            return repository.insert(pool, Instant.now(), principal, action, target, note);
        }
    }

    public Uni<Page> page(Long before, int limit) {
        return repository.page(pool, before, limit).map(entries -> new Page(entries,
                entries.size() < limit ? null : entries.get(entries.size() - 1).auditId()));
    }
}
