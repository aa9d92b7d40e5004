package no.elekt.consent.testinfra;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;

/**
 * The caller of end-to-end tests that are not about authentication: an app backend that may write for every source,
 * read and operate. Tests about who may do what use real signed tokens ({@link TestTokens}) instead.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
public @interface TestIdentity {
}
