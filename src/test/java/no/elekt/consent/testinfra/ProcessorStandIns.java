package no.elekt.consent.testinfra;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
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
 * of Mailgun, Google (token, Analytics Admin, FCM, Identity Toolkit) and Eliq (token, Data Management API, and the
 * Insights API under {@link StandInModel#ELIQ_INSIGHTS_PATH}), answering as the processors document it
 * ({@link StandInModel}) and refusing requests that do not match their published API descriptions
 * ({@link PublishedContracts}), and one GreenMail SMTP server receiving AddApptr's deletion requests. Started once per JVM ({@link #start()}); the running
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
    /** Eliq's token for the Data Management API (aud data-management-api). */
    public static final String ELIQ_ACCESS_TOKEN = "eliq-test-access-token";
    /** Eliq's token for the Insights API (aud insights-api); a delegated one ends with "-" and the user's Eliq id. */
    public static final String ELIQ_INSIGHTS_ACCESS_TOKEN = "eliq-test-insights-token";
    /** The Google Analytics 4 property whose user data the Firebase adapter deletes. */
    public static final String GA4_PROPERTY = "123456789";
    public static final String ELIQ_BASE_PATH = "/integration/api/v1";
    public static final String ADDAPPTR_PRIVACY_CONTACT = "privacy@addapptr.test";

    /** The JMX face of the running stand-ins: JDK types only. */
    public interface Control {
        int getHttpPort();

        int getSmtpPort();

        String getCredentialsFile();

        /** Every mail received so far, as raw MIME text. */
        String[] getReceivedMail();

        /** Requests that did not match the processor's published API description, so far. */
        String[] getContractViolations();

        /** Puts state at a processor, as if someone else had: see {@link StandInModel#seed}. */
        void seed(String processor, String what, String key, String value);

        /** What a processor holds: see {@link StandInModel#state}. */
        String state(String processor, String what, String key);
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

    /** The running stand-ins' control (state, seeding, contract violations). */
    public static Control control() {
        return start();
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
        config.put("consent.adapters.firebase.analytics-property-id", GA4_PROPERTY);
        config.put("consent.adapters.firebase.fcm-url", base);
        config.put("consent.adapters.firebase.identity-url", base);
        config.put("consent.adapters.firebase.token-url", base + "/token");
        config.put("consent.adapters.eliq.base-url", base + ELIQ_BASE_PATH);
        config.put("consent.adapters.eliq.insights-url", base + StandInModel.ELIQ_INSIGHTS_PATH);
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
     * The processors as they answer when nobody interferes, at low priority: every request goes to the
     * {@link StandInModel} (state, documented answers, 404 without JSON for an unknown route). Tests add their own
     * stubs for particular identifiers on top (a lower priority number wins in WireMock).
     */
    public static void installHappyStubs() {
        wireMock().register(any(urlPathMatching("/.*")).atPriority(10)
                .willReturn(aResponse().withTransformers(StandInModel.NAME)));
    }

    private static void launch(Path workDir) {
        try {
            Files.createDirectories(workDir);
            Path credentials = workDir.resolve("firebase-service-account.json");
            Files.writeString(credentials, serviceAccountJson());
            // the benchmark asks for more threads and asynchronous (non-blocking) delayed answers
            int threads = Integer.getInteger("consent.standins.threads", 20);
            StandInModel model = new StandInModel(MAILGUN_API_KEY, MAILGUN_DOMAIN,
                    new java.util.LinkedHashSet<>(java.util.List.of(MAILGUN_LISTS.split(","))), FIREBASE_PROJECT,
                    GA4_PROPERTY, ELIQ_CLIENT_ID, ELIQ_CLIENT_SECRET);
            PublishedContracts contracts = new PublishedContracts();
            WireMockConfiguration options = WireMockConfiguration.options()
                    .bindAddress("127.0.0.1").dynamicPort().containerThreads(threads)
                    .extensions(model, contracts, new StandInModel.StubbedWrites(model))
                    .asynchronousResponseEnabled(Boolean.getBoolean("consent.standins.async"))
                    .asynchronousResponseThreads(Math.max(4, threads / 4));
            // the tests read the journal of requests; the benchmark does not, and a journal of millions of calls
            // would grow the benchmark's own heap and CPU beside the service it measures
            if (Boolean.getBoolean("consent.standins.no-journal")) {
                options.disableRequestJournal();
            }
            WireMockServer http = new WireMockServer(options);
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

                public String[] getContractViolations() {
                    return contracts.violations().toArray(String[]::new);
                }

                public void seed(String processor, String what, String key, String value) {
                    model.seed(processor, what, key, value);
                }

                public String state(String processor, String what, String key) {
                    return model.state(processor, what, key);
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
