-- Proof of effect on the core's side (issue 12): the deciding receipt's word on whether the processor's state was
-- read back after the call, so the change, rights request and ops views say "verified" or "accepted-unverified" (and
-- why) instead of one CONFIRMED for both. verification: VERIFIED | ACCEPTED_UNVERIFIED, null while nothing was
-- recorded (open, no call made, or an adapter from before proof of effect); evidence: the read-backs as the receipt
-- carried them, a JSON array of {check, checkedAt, answer} written by our adapters' code, never an identifier.
alter table propagation
    add column verification      varchar(32),
    add column verification_note varchar(512),
    add column evidence          jsonb;
