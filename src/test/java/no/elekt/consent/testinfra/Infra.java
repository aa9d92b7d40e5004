package no.elekt.consent.testinfra;

import java.lang.management.ManagementFactory;
import java.util.Map;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * What tests use of the shared infrastructure. Quarkus may load test classes in more than one class loader
 * (one per test profile), so the single running infrastructure is published as a platform MBean, which every
 * class loader of the JVM reaches in the same way.
 */
public final class Infra {

    /** The JMX face of {@link TestInfrastructure}: JDK types only. */
    public interface Control {
        Map<String, String> getServiceConfig();

        String getKafkaBootstrap();

        String getRegistryUrl();

        String getJdbcUrl();

        void cutKafka();

        void restoreKafka();

        void stopPostgres();

        void restartPostgres();
    }

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    private static final ObjectName NAME = name();

    private Infra() {
    }

    private static synchronized void ensureStarted() {
        if (JMX.isRegistered(NAME)) {
            return;
        }
        TestInfrastructure infra = TestInfrastructure.get();
        Control control = new Control() {
            public Map<String, String> getServiceConfig() {
                return Map.copyOf(infra.serviceConfig());
            }

            public String getKafkaBootstrap() {
                return infra.kafkaBootstrap();
            }

            public String getRegistryUrl() {
                return infra.registry.apiUrl();
            }

            public String getJdbcUrl() {
                return infra.jdbcUrl();
            }

            public void cutKafka() {
                infra.kafkaProxy.cut();
            }

            public void restoreKafka() {
                infra.kafkaProxy.restore();
            }

            public void stopPostgres() {
                infra.stopPostgres();
            }

            public void restartPostgres() {
                infra.restartPostgres();
            }
        };
        try {
            JMX.registerMBean(new StandardMBean(control, Control.class), NAME);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object attribute(String name) {
        ensureStarted();
        try {
            return JMX.getAttribute(NAME, name);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void invoke(String operation) {
        ensureStarted();
        try {
            JMX.invoke(NAME, operation, new Object[0], new String[0]);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, String> serviceConfig() {
        return (Map<String, String>) attribute("ServiceConfig");
    }

    public static String kafkaBootstrap() {
        return (String) attribute("KafkaBootstrap");
    }

    public static String registryUrl() {
        return (String) attribute("RegistryUrl");
    }

    public static String jdbcUrl() {
        return (String) attribute("JdbcUrl");
    }

    /** Makes the broker unreachable: connections dropped, new ones refused. Its data is kept. */
    public static void cutKafka() {
        invoke("cutKafka");
    }

    public static void restoreKafka() {
        invoke("restoreKafka");
    }

    /** Stops PostgreSQL; its data is kept for {@link #restartPostgres()}. */
    public static void stopPostgres() {
        invoke("stopPostgres");
    }

    public static void restartPostgres() {
        invoke("restartPostgres");
    }

    private static ObjectName name() {
        try {
            return new ObjectName("no.elekt.consent.test:type=Infrastructure");
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }
}
