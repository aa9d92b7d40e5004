package no.elekt.consent.testinfra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a server (the Kafka broker, or PostgreSQL for one client), so tests can make it unreachable
 * and bring it back without losing its data: {@link #cut()} drops every connection and refuses new ones,
 * {@link #restore()} listens again. {@link #stall()} is the messier fault, a network that silently stops carrying
 * bytes: connections stay open at both ends, nothing gets through, and neither side is told. {@link #slow} is a
 * network (or server) that still carries everything, late: each chunk waits a random delay in a range first.
 */
public final class TcpProxy implements AutoCloseable {

    private final int port;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private final Object stallLock = new Object();
    private boolean stalled;
    private volatile long minDelayMillis;
    private volatile long maxDelayMillis;
    private final AtomicLong delayedChunks = new AtomicLong();

    public TcpProxy(int port, int targetPort) {
        this.port = port;
        this.targetPort = targetPort;
    }

    public int port() {
        return port;
    }

    public int targetPort() {
        return targetPort;
    }

    public synchronized void restore() {
        if (server != null) {
            return;
        }
        try {
            ServerSocket listening = new ServerSocket();
            listening.setReuseAddress(true);
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = listening;
            Thread acceptor = new Thread(() -> accept(listening), "tcp-proxy-" + port);
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new IllegalStateException("Proxy cannot listen on " + port, e);
        }
    }

    /** Stops carrying bytes, in both directions, on every connection (new ones too), without closing any. */
    public void stall() {
        synchronized (stallLock) {
            stalled = true;
        }
    }

    /** Carries bytes again. */
    public void unstall() {
        synchronized (stallLock) {
            stalled = false;
            stallLock.notifyAll();
        }
    }

    /** Delays each chunk, in both directions, by a random time between {@code min} and {@code max}. */
    public void slow(Duration min, Duration max) {
        minDelayMillis = min.toMillis();
        maxDelayMillis = max.toMillis();
    }

    /** Carries chunks without delay again. */
    public void normal() {
        slow(Duration.ZERO, Duration.ZERO);
    }

    /** How many chunks were carried late, so a test can show its slowing met traffic. */
    public long delayedChunks() {
        return delayedChunks.get();
    }

    private void delay() throws InterruptedException {
        long max = maxDelayMillis;
        if (max > 0) {
            Thread.sleep(ThreadLocalRandom.current().nextLong(minDelayMillis, max + 1)); // the injected latency
            delayedChunks.incrementAndGet();
        }
    }

    private void awaitCarrying() throws InterruptedException {
        synchronized (stallLock) {
            while (stalled) {
                stallLock.wait();
            }
        }
    }

    public synchronized void cut() {
        ServerSocket listening = server;
        server = null;
        closeQuietly(listening);
        sockets.forEach(TcpProxy::closeQuietly);
        sockets.clear();
    }

    @Override
    public void close() {
        cut();
        unstall();
    }

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                } catch (IOException refused) {
                    closeQuietly(client); // the server is down: the client sees its connection dropped at once
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed by cut()
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    awaitCarrying();
                    delay();
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // connection dropped
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "tcp-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                // already closed
            }
        }
    }
}
