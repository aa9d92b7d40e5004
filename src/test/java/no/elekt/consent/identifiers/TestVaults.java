package no.elekt.consent.identifiers;

import java.util.Map;
import java.util.Optional;

/** Key rings for unit tests outside this package. */
public final class TestVaults {

    private TestVaults() {
    }

    public static IdentifierVault vault(String active, Map<String, String> keys) {
        return new IdentifierVault(new IdentifierVault.Keys() {
            public String activeKey() {
                return active;
            }

            public Map<String, String> keys() {
                return keys;
            }

            public Optional<String> hashKey() {
                return Optional.empty();
            }
        });
    }
}
