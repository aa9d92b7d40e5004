package no.elekt.consent.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.sun.tools.attach.VirtualMachine;

/**
 * async-profiler (tools.profiler:async-profiler from Maven Central: its jar carries the native library) attached to
 * a running service process through the JDK's attach API, as its own launcher does: "start,event=..." loads the
 * agent and starts sampling; "stop,file=x.html" writes a flame graph. CPU samples come from perf_events (kernel frames
 * included), allocation samples from the JVM's TLAB events.
 */
final class Profiler {

    private final Path library;

    private Profiler(Path library) {
        this.library = library;
    }

    /** The profiler, or null (with the reason logged) when its library does not fit this machine. */
    static Profiler load() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "linux-x64";
            case "aarch64" -> "linux-arm64";
            default -> null;
        };
        if (arch == null || !System.getProperty("os.name").toLowerCase().contains("linux")) {
            Benchmark.log("async-profiler: no library for %s %s; no flame graphs", System.getProperty("os.name"),
                    System.getProperty("os.arch"));
            return null;
        }
        try (InputStream in = Profiler.class.getClassLoader().getResourceAsStream(arch + "/libasyncProfiler.so")) {
            if (in == null) {
                Benchmark.log("async-profiler: not on the classpath (run through the bench profile); no flame graphs");
                return null;
            }
            Path lib = Benchmark.WORK.resolve("async-profiler/libasyncProfiler.so");
            Files.createDirectories(lib.getParent());
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            return new Profiler(lib);
        } catch (Exception e) {
            Benchmark.log("async-profiler: %s; no flame graphs", e);
            return null;
        }
    }

    /**
     * Starts sampling {@code event} ("cpu" or "alloc") in the process; answers the event used: where the kernel
     * refuses perf_events (perf_event_paranoid, seccomp), CPU sampling falls back to async-profiler's "ctimer".
     */
    String start(long pid, String event) throws Exception {
        if (!event.equals("cpu")) {
            command(pid, "start,event=" + event);
            return event;
        }
        try {
            command(pid, "start,event=cpu,interval=10ms");
            return "cpu";
        } catch (com.sun.tools.attach.AgentInitializationException refused) {
            command(pid, "start,event=ctimer,interval=10ms");
            return "ctimer";
        }
    }

    /**
     * Stops sampling and writes the flame graph as HTML. An allocation graph weighs frames by bytes allocated
     * ("total"), not by sample count.
     */
    void stop(long pid, Path html, boolean byTotal) throws Exception {
        Files.createDirectories(html.getParent());
        command(pid, "stop,file=" + html.toAbsolutePath() + (byTotal ? ",total" : ""));
    }

    private void command(long pid, String args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            vm.loadAgentPath(library.toString(), args);
        } finally {
            vm.detach();
        }
    }
}
