package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The embedded H2 database opens no network port (issue 9, item 5): a bridge started with the shipped
 * config/application.properties (its bridge.db.url untouched, so ./data/bridge in its own working
 * directory) listens on its HTTP and management ports and nothing else, and no lock file under data/
 * names a server address. The same check, run on an H2 opened with AUTO_SERVER=TRUE, finds the port.
 */
class H2NoPortTest {

    @Test
    void theShippedDatabaseUrlOpensNoPortAndWritesNoServerAddress() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        Path work = Path.of("target/h2-no-port-" + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(work);
        // the shipped files, copied (Camel's route file patterns do not follow a symbolic link to a directory)
        for (String dir : List.of("config", "routes", "kamelets")) {
            copyTree(Path.of(dir), work.resolve(dir));
        }
        int port = BridgeTestSupport.freePort();
        int managementPort = BridgeTestSupport.freePort();
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", classpath, BridgeNode.class.getName(), "camel.server.port=" + port,
                "camel.management.port=" + managementPort, "bridge.api-key=h2-port-test-key"));
        Process node = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("node.log").toFile()).start();
        try {
            awaitStarted(node, port, work.resolve("node.log"));
            // the database is in use: a store connected, its row written and read
            Browser browser = new Browser();
            HttpResponse<String> r = browser.get("http://localhost:" + port + "/connect/x-series");
            assertEquals(302, r.statusCode(), r::body);
            assertEquals(200, Browser.call("GET", "http://localhost:" + port + "/connections", "h2-port-test-key", null)
                    .statusCode());

            Set<Integer> listening = listeningPorts(node.pid());
            assertEquals(new TreeSet<>(Set.of(port, managementPort)), new TreeSet<>(listening),
                    "the bridge listens on its HTTP and management ports only (no H2 TCP server)");

            Path data = work.resolve("data");
            assertTrue(Files.exists(data.resolve("bridge.mv.db")), "the shipped URL's database is under the node's data/");
            List<Path> files;
            try (Stream<Path> walk = Files.walk(data)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            for (Path f : files) {
                if (f.getFileName().toString().endsWith(".lock.db")) {
                    String lock = Files.readString(f, StandardCharsets.ISO_8859_1);
                    assertFalse(lock.contains("server="), "lock file names a server address: " + f);
                }
            }
            System.out.println("H2NoPortTest: listening " + listening + " (http " + port + ", management " + managementPort
                    + "); data/ holds " + files.stream().map(p -> p.getFileName().toString()).sorted().toList());
        } finally {
            node.destroy();
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor();
            }
        }
    }

    /** The detector can fail: an H2 file opened with AUTO_SERVER=TRUE in this JVM adds a port, named in its lock file. */
    @Test
    void theSameCheckFindsTheServerThatAutoServerOpens() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        long self = ProcessHandle.current().pid();
        String file = "target/test-db/auto-server-" + UUID.randomUUID();
        Set<Integer> before = listeningPorts(self);
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:./" + file + ";AUTO_SERVER=TRUE", "sa", "sa")) {
            c.createStatement().execute("CREATE TABLE t (id INT)");
            Set<Integer> opened = new HashSet<>(listeningPorts(self));
            opened.removeAll(before);
            assertFalse(opened.isEmpty(), "AUTO_SERVER opened a port");
            String lock = Files.readString(Path.of(file + ".lock.db"), StandardCharsets.ISO_8859_1);
            assertTrue(lock.contains("server="), lock);
            assertTrue(opened.stream().anyMatch(p -> lock.contains(":" + p)), "the lock file names the port " + opened);
        }
    }

    /** TCP ports in LISTEN state whose sockets belong to process {@code pid} (its /proc fds against /proc/net/tcp{,6}). */
    static Set<Integer> listeningPorts(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor went away while listing
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
                String[] f = line.trim().split("\\s+");
                // f[1] local address:port (hex), f[3] state (0A = LISTEN), f[9] inode
                if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void awaitStarted(Process node, int port, Path log) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000; // a busy 2-core machine starts a JVM slowly
        while (System.currentTimeMillis() < deadline) {
            if (!node.isAlive()) {
                throw new AssertionError("the bridge exited: " + Files.readString(log));
            }
            try {
                if (Browser.call("GET", "http://localhost:" + port + "/connections", null, null).statusCode() == 401) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the bridge did not start in 180 s");
    }
}
