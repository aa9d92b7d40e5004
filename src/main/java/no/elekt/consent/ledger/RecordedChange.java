package no.elekt.consent.ledger;

import java.util.List;

import no.elekt.consent.propagation.Propagation;

/** A change as the ledger recorded it, with the propagations it issued (none if it is not in force). */
public record RecordedChange(ConsentRecord record, List<Propagation> propagations) {
}
