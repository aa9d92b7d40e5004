package no.elekt.consent.deploy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import io.smallrye.jwt.build.Jwt;
import no.elekt.consent.bench.Benchmark;
import no.elekt.consent.testinfra.ApicurioRegistryServer;

/**
 * The registry's authentication settings of deploy/k8s/registry-auth, as {@code kubectl kustomize} renders them, on
 * the real Apicurio Registry: the schema registration script with the Job's client credentials is its writer, anyone
 * may read, and nobody else writes. The identity provider is a stand-in (WireMock) serving OIDC discovery, its JWKS and
 * a client-credentials token endpoint (the registry posts to the token path with a trailing slash, as Keycloak
 * accepts); only its two URLs in the settings are pointed at it.
 */
class RegistryAuthTest {

    static final String WRITER = "consent-register-schemas";
    static final String WRITER_SECRET = UUID.randomUUID().toString();
    static final String READER = "some-reader";
    static final String READER_SECRET = UUID.randomUUID().toString();

    static WireMockServer idp;
    static ApicurioRegistryServer registry;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void identityProviderAndRegistry() throws Exception {
        idp = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").port(Benchmark.freePort()));
        idp.start();
        String realm = "http://127.0.0.1:" + idp.port() + "/realms/registry";
        KeyPair keys = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        RSAPublicKey key = (RSAPublicKey) keys.getPublic();
        idp.stubFor(get("/realms/registry/.well-known/openid-configuration").willReturn(okJson("""
                {"issuer":"%1$s","jwks_uri":"%1$s/certs","token_endpoint":"%1$s/token"}""".formatted(realm))));
        idp.stubFor(get("/realms/registry/certs").willReturn(okJson("""
                {"keys":[{"kty":"RSA","kid":"idp","use":"sig","alg":"RS256","n":"%s","e":"%s"}]}"""
                .formatted(base64Url(key.getModulus()), base64Url(key.getPublicExponent())))));
        idp.stubFor(post(urlMatching("/realms/registry/token/?")).atPriority(9).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"invalid_client\"}")));
        for (var client : Map.of(WRITER, List.of(WRITER_SECRET, "sr-developer"), READER,
                List.of(READER_SECRET, "sr-readonly")).entrySet()) {
            String token = Jwt.issuer(realm).subject(client.getKey()).claim("azp", client.getKey())
                    .groups(Set.of(client.getValue().get(1))).expiresAt(Instant.now().plus(Duration.ofHours(1)))
                    .jws().keyId("idp").sign(keys.getPrivate());
            idp.stubFor(post(urlMatching("/realms/registry/token/?")).atPriority(1)
                    .withRequestBody(containing("client_id=" + client.getKey()))
                    .withRequestBody(containing("client_secret=" + client.getValue().get(0)))
                    .willReturn(okJson(
                            "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        }

        JsonNode settings = Manifests.find(Manifests.kustomize(Path.of("deploy/k8s/registry-auth")), "ConfigMap",
                "apicurio-registry-auth").path("data");
        Map<String, String> environment = new HashMap<>();
        settings.fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
        assertThat(environment).containsKeys("QUARKUS_OIDC_AUTH_SERVER_URL", "QUARKUS_OIDC_TOKEN_PATH");
        environment.put("QUARKUS_OIDC_AUTH_SERVER_URL", realm); // the stand-in's addresses, nothing else
        environment.put("QUARKUS_OIDC_TOKEN_PATH", realm + "/token");
        registry = new ApicurioRegistryServer(Benchmark.freePort()).withEnvironment(environment)
                .start(Path.of("target", "registry-auth").toAbsolutePath());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (idp != null) {
            idp.stop();
        }
    }

    @Test
    void theRegistrationScriptWithTheJobsCredentialsWritesAndAnyoneReads() throws Exception {
        String group = "auth-" + UUID.randomUUID();
        register(group, Map.of("REGISTRY_CLIENT_ID", WRITER, "REGISTRY_CLIENT_SECRET", WRITER_SECRET));
        HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(registry.apiUrl() + "/groups/" + group
                + "/artifacts/consent.changes.v1-value/versions/1/content")));
        assertThat(read.statusCode()).as("anonymous read").isEqualTo(200);
        assertThat(read.body()).contains("ConsentChanged");
    }

    @Test
    void withoutCredentialsWithAReadersOrWithAWrongSecretNothingIsWritten() throws Exception {
        String group = "auth-" + UUID.randomUUID();
        for (Map<String, String> credentials : List.of(Map.<String, String>of(),
                Map.of("REGISTRY_CLIENT_ID", READER, "REGISTRY_CLIENT_SECRET", READER_SECRET),
                Map.of("REGISTRY_CLIENT_ID", WRITER, "REGISTRY_CLIENT_SECRET", "not-the-secret"))) {
            assertThatThrownBy(() -> register(group, credentials)).as(credentials.keySet().toString())
                    .hasMessageContaining("HTTP 40");
        }
        HttpResponse<String> anonymous = send(HttpRequest.newBuilder(URI.create(registry.apiUrl() + "/groups/" + group
                + "/artifacts")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"artifactId\":\"x\",\"artifactType\":\"AVRO\"}")));
        assertThat(anonymous.statusCode()).as("anonymous write").isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(URI.create(registry.apiUrl() + "/groups/" + group + "/artifacts")))
                .body()).contains("\"count\":0");
    }

    private static void register(String group, Map<String, String> credentials) throws Exception {
        Map<String, String> environment = new HashMap<>(credentials);
        environment.putAll(Map.of("REGISTRY_URL", registry.apiUrl(), "SCHEMAS_DIR", "schemas", "GROUP_ID", group));
        Manifests.run(List.of("sh", "deploy/register-schemas.sh"), environment);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0; // unsigned, big-endian
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(java.util.Arrays.copyOfRange(bytes, skip, bytes.length));
    }
}
