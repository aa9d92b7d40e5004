package no.elekt.consent.testinfra;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.management.JMException;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;

/**
 * Local stand-ins of the four processors, for tests and the local run: one WireMock server serving the real paths
 * of Mailgun, Google (token, Analytics, FCM, Identity Toolkit) and Eliq (token, data management API), and one
 * GreenMail SMTP server receiving AddApptr's deletion requests. Started once per JVM ({@link #start()}); the running
 * pair is published as a platform MBean so every class loader of the JVM reaches the same one.
 */
public final class ProcessorStandIns {

    public static final String MAILGUN_API_KEY = "key-test-mailgun";
    public static final String MAILGUN_DOMAIN = "mg.elekt.test";
    public static final String MAILGUN_LISTS = "newsletter@mg.elekt.test,marketing@mg.elekt.test";
    public static final String FIREBASE_PROJECT = "elekt-test";
    public static final String GOOGLE_ACCESS_TOKEN = "ya29.test-google-access-token";
    public static final String ELIQ_CLIENT_ID = "elekt-test-client";
    public static final String ELIQ_CLIENT_SECRET = "elekt-test-secret";
    public static final String ELIQ_ACCESS_TOKEN = "eliq-test-access-token";
    public static final String ELIQ_BASE_PATH = "/integration/api/v1";
    public static final String ADDAPPTR_PRIVACY_CONTACT = "privacy@addapptr.test";

    /** The JMX face of the running stand-ins: JDK types only. */
    public interface Control {
        int getHttpPort();

        int getSmtpPort();

        String getCredentialsFile();

        /** Every mail received so far, as raw MIME text. */
        String[] getReceivedMail();
    }

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();
    private static final ObjectName NAME = name();

    private ProcessorStandIns() {
    }

    /** Starts the stand-ins unless this JVM already runs them; answers their control. */
    public static synchronized Control start() {
        if (!SERVER.isRegistered(NAME)) {
            launch(Path.of("target", "processor-stand-ins").toAbsolutePath());
        }
        return JMX.newMBeanProxy(SERVER, NAME, Control.class);
    }

    /** A WireMock client of the stand-in server, to add stubs and verify requests. */
    public static WireMock wireMock() {
        return new WireMock("127.0.0.1", start().getHttpPort());
    }

    public static String baseUrl() {
        return "http://127.0.0.1:" + start().getHttpPort();
    }

    /** The adapter configuration that points the service at the stand-ins. */
    public static Map<String, String> serviceConfig() {
        Control control = start();
        String base = "http://127.0.0.1:" + control.getHttpPort();
        Map<String, String> config = new LinkedHashMap<>();
        config.put("consent.adapters.mailgun.base-url", base);
        config.put("consent.adapters.mailgun.api-key", MAILGUN_API_KEY);
        config.put("consent.adapters.mailgun.domain", MAILGUN_DOMAIN);
        config.put("consent.adapters.mailgun.lists", MAILGUN_LISTS);
        config.put("consent.adapters.firebase.project-id", FIREBASE_PROJECT);
        config.put("consent.adapters.firebase.credentials-file", control.getCredentialsFile());
        config.put("consent.adapters.firebase.analytics-url", base);
        config.put("consent.adapters.firebase.fcm-url", base);
        config.put("consent.adapters.firebase.identity-url", base);
        config.put("consent.adapters.firebase.token-url", base + "/token");
        config.put("consent.adapters.eliq.base-url", base + ELIQ_BASE_PATH);
        config.put("consent.adapters.eliq.token-url", base + "/oauth/token");
        config.put("consent.adapters.eliq.client-id", ELIQ_CLIENT_ID);
        config.put("consent.adapters.eliq.client-secret", ELIQ_CLIENT_SECRET);
        config.put("consent.adapters.addapptr.privacy-contact", ADDAPPTR_PRIVACY_CONTACT);
        config.put("quarkus.mailer.host", "127.0.0.1");
        config.put("quarkus.mailer.port", Integer.toString(control.getSmtpPort()));
        config.put("quarkus.mailer.mock", "false");
        config.put("quarkus.mailer.start-tls", "DISABLED");
        return config;
    }

    /**
     * The processors' answers when all goes well, at low priority: tests add their own failing stubs for
     * particular identifiers on top (a lower priority number wins in WireMock).
     */
    public static void installHappyStubs() {
        WireMock wm = wireMock();
        int happy = 10;
        // Mailgun
        wm.register(post(urlPathMatching("/v3/[^/]+/unsubscribes")).atPriority(happy)
                .willReturn(okJson("{\"message\":\"Address has been added to the unsubscribes table\"}")));
        wm.register(delete(urlPathMatching("/v3/[^/]+/unsubscribes/[^/]+")).atPriority(happy)
                .willReturn(okJson("{\"message\":\"Unsubscribe event has been removed\"}")));
        wm.register(delete(urlPathMatching("/v3/lists/[^/]+/members/[^/]+")).atPriority(happy)
                .willReturn(okJson("{\"message\":\"Mailing list member has been deleted\"}")));
        // Google
        wm.register(post(urlPathEqualTo("/token")).atPriority(happy).willReturn(okJson(
                "{\"access_token\":\"" + GOOGLE_ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3599}")));
        wm.register(post(urlPathEqualTo("/analytics/v3/userDeletion/userDeletionRequests:upsert")).atPriority(happy)
                .willReturn(okJson("{\"kind\":\"analytics#userDeletionRequest\","
                        + "\"deletionRequestTime\":\"2026-01-01T00:00:00Z\"}")));
        wm.register(delete(urlPathMatching("/v1/projects/[^/]+/registrations/[^/]+/topicSubscriptions/[^/]+"))
                .atPriority(happy).willReturn(okJson("{}")));
        wm.register(post(urlPathMatching("/v1/projects/[^/]+/accounts:delete")).atPriority(happy)
                .willReturn(okJson("{\"kind\":\"identitytoolkit#DeleteAccountResponse\"}")));
        // Eliq
        wm.register(post(urlPathEqualTo("/oauth/token")).atPriority(happy).willReturn(okJson(
                "{\"access_token\":\"" + ELIQ_ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        wm.register(delete(urlPathMatching(ELIQ_BASE_PATH + "/users/[^/]+")).atPriority(happy)
                .willReturn(aResponse().withStatus(204)));
        wm.register(put(urlPathMatching(ELIQ_BASE_PATH + "/v3/users/[^/]+/consents")).atPriority(happy)
                .willReturn(okJson("{}")));
        // anything else is a mistake of the adapter: make it loud
        wm.register(any(urlPathMatching("/.*")).atPriority(100)
                .willReturn(aResponse().withStatus(418).withBody("no stand-in for this request")));
    }

    private static void launch(Path workDir) {
        try {
            Files.createDirectories(workDir);
            Path credentials = workDir.resolve("firebase-service-account.json");
            Files.writeString(credentials, serviceAccountJson());
            // the benchmark asks for more threads and asynchronous (non-blocking) delayed answers
            int threads = Integer.getInteger("consent.standins.threads", 20);
            WireMockServer http = new WireMockServer(WireMockConfiguration.options()
                    .bindAddress("127.0.0.1").dynamicPort().containerThreads(threads)
                    .asynchronousResponseEnabled(Boolean.getBoolean("consent.standins.async"))
                    .asynchronousResponseThreads(Math.max(4, threads / 4)));
            http.start();
            int smtpPort = TestInfrastructure.freePort();
            GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            smtp.start();
            Control control = new Control() {
                public int getHttpPort() {
                    return http.port();
                }

                public int getSmtpPort() {
                    return smtpPort;
                }

                public String getCredentialsFile() {
                    return credentials.toString();
                }

                public String[] getReceivedMail() {
                    return java.util.Arrays.stream(smtp.getReceivedMessages()).map(GreenMailUtil::getWholeMessage)
                            .toArray(String[]::new);
                }
            };
            SERVER.registerMBean(new StandardMBean(control, Control.class), NAME);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                http.stop();
                smtp.stop();
            }, "processor-stand-ins-stop"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A throw-away service account: a fresh RSA key, its token endpoint the stand-in's. */
    private static String serviceAccountJson() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(generator.generateKeyPair().getPrivate()
                            .getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            return """
                    {
                      "type": "service_account",
                      "project_id": "%s",
                      "private_key_id": "test-key",
                      "private_key": "%s",
                      "client_email": "consent-adapter@%s.iam.gserviceaccount.com",
                      "client_id": "1000000000000",
                      "token_uri": "http://127.0.0.1/token"
                    }
                    """.formatted(FIREBASE_PROJECT, pem.replace("\n", "\\n"), FIREBASE_PROJECT);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectName name() {
        try {
            return new ObjectName("no.elekt.consent.test:type=ProcessorStandIns");
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }
}
