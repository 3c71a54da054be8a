package io.lsbridge;

import java.io.File;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@link BridgeNode} child process: started, waited for, stopped or killed with SIGKILL. */
public class NodeProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final File log;

    public NodeProcess(String name, int port, Map<String, String> props) throws Exception {
        this.port = port;
        List<String> cmd = new ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java", "-Xmx256m", "-XX:+UseSerialGC", "-Dcamel.management.port=0",
                "-cp", System.getProperty("java.class.path"), BridgeNode.class.getName(), "camel.server.port=" + port));
        props.forEach((k, v) -> cmd.add(k + "=" + v));
        new File("target/test-logs").mkdirs();
        log = new File("target/test-logs/node-" + name + ".log");
        process = new ProcessBuilder(cmd).directory(new File(".")).redirectErrorStream(true)
                .redirectOutput(log).start();
        String apiKey = props.getOrDefault("bridge.api-key", "sandbox-api-key");
        // a busy 2-core machine starts a JVM slowly (over 180 s at load 40, three nodes at once)
        long startSeconds = Long.getLong("bridge.test.node-start-seconds", 300);
        long deadline = System.currentTimeMillis() + startSeconds * 1000;
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + name + " exited; see target/test-logs/node-" + name + ".log");
            }
            try {
                // 200 with the key: answered by the operator API's route. (A 401 without the key is no sign:
                // the front door answers it before Camel's routes have started.)
                HttpResponse<String> r = Browser.call("GET", base() + "/connections", apiKey, null);
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            if (System.currentTimeMillis() > deadline) {
                kill();
                throw new IllegalStateException("node " + name + " did not start in " + startSeconds + " s");
            }
            Thread.sleep(250);
        }
    }

    public String base() {
        return "http://localhost:" + port;
    }

    /** The node's log (its standard output and error). */
    public File logFile() {
        return log;
    }

    /** The node's process id (its refresh leases are owned by "node-PID@host-..."). */
    public long pid() {
        return process.pid();
    }

    /**
     * SIGTERM, as a deploy, {@code kill PID} or Ctrl-C stops a node: waits up to {@code maxSeconds} for the
     * process to exit and returns how long that took, milliseconds; -1 when it had not exited (it is then killed).
     */
    public long terminate(long maxSeconds) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(maxSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
            kill();
            return -1;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** kill -9: no shutdown hook, no cleanup, leases left behind. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
