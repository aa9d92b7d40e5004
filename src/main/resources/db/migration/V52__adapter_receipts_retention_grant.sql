-- Retention (V50-V51) meets least privilege (V46): each adapter removes its own old receipts from
-- adapter_directive (HandledDirectives, every consent.retention.every), within its own processor's rows (row-level
-- security of V46), so its role may delete there too.
grant delete on adapter_directive
    to consent_adapter_addapptr, consent_adapter_firebase, consent_adapter_mailgun, consent_adapter_eliq;
