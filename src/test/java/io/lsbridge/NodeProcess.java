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

    public NodeProcess(String name, int port, Map<String, String> props) throws Exception {
        this.port = port;
        List<String> cmd = new ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java", "-Xmx256m", "-XX:+UseSerialGC", "-Dcamel.management.port=0",
                "-cp", System.getProperty("java.class.path"), BridgeNode.class.getName(), "camel.server.port=" + port));
        props.forEach((k, v) -> cmd.add(k + "=" + v));
        new File("target/test-logs").mkdirs();
        process = new ProcessBuilder(cmd).directory(new File(".")).redirectErrorStream(true)
                .redirectOutput(new File("target/test-logs/node-" + name + ".log")).start();
        long deadline = System.currentTimeMillis() + 180_000;   // a busy 2-core machine starts a JVM slowly
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + name + " exited; see target/test-logs/node-" + name + ".log");
            }
            try {
                HttpResponse<String> r = Browser.call("GET", base() + "/connections", null, null);
                if (r.statusCode() == 401) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            if (System.currentTimeMillis() > deadline) {
                kill();
                throw new IllegalStateException("node " + name + " did not start in 180 s");
            }
            Thread.sleep(250);
        }
    }

    public String base() {
        return "http://localhost:" + port;
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
