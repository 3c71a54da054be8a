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
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A bridge on the shipped config/application.properties, as a new user runs it (sandbox mode, its
 * bridge.db.url untouched: ./data/bridge in the node's own scratch working directory), in its own JVM:
 * - the embedded H2 opens no network port (issue 9, item 5): the process listens on its HTTP and
 *   management ports and nothing else, and no lock file under data/ names a server address; the same
 *   check, run on an H2 opened with AUTO_SERVER=TRUE, finds the port;
 * - no file under data/ holds a secret (issue 9, item 6), read while the bridge runs after full flows:
 *   the database file holds ciphertexts and hashes only. The one exception is data/sandbox-encryption.key,
 *   which IS the encryption key by design in sandbox mode: it must be readable by its owner only, and
 *   the key it holds must appear in no other file. (Camel JBang's ~/.camel files: CamelRunSecretsTest.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShippedDataDirTest {
    /** Sandbox tokens and codes by their shape: a leak is caught even for a value the test never saw. */
    private static final Pattern SANDBOX_SECRET = Pattern.compile("sbx-(at|rt|code)-[A-Za-z0-9_-]{8,}");
    private final String apiKey = "data-dir-key-" + UUID.randomUUID();
    private final String clientSecret = "data-dir-secret-" + UUID.randomUUID();
    private Path work;
    private int port;
    private int managementPort;
    private Process node;

    @BeforeAll
    void startNode() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        work = Path.of("target/shipped-data-dir-" + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(work);
        // the shipped files, copied (Camel's route file patterns do not follow a symbolic link to a directory)
        for (String dir : List.of("config", "routes", "kamelets")) {
            copyTree(Path.of(dir), work.resolve(dir));
        }
        port = BridgeTestSupport.freePort();
        managementPort = BridgeTestSupport.freePort();
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", classpath, BridgeNode.class.getName(), "camel.server.port=" + port,
                "camel.management.port=" + managementPort));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("node.log").toFile());
        // secrets from the environment, as in production (Camel maps BRIDGE_X_Y to bridge.x.y)
        pb.environment().put("BRIDGE_API_KEY", apiKey);
        pb.environment().put("BRIDGE_SANDBOX_CLIENT_SECRET", clientSecret);
        node = pb.start();
        awaitStarted(node, port, work.resolve("node.log"), apiKey);
    }

    @AfterAll
    void stopNode() throws Exception {
        if (node != null) {
            node.destroy();
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor();
            }
        }
    }

    private String base() {
        return "http://localhost:" + port;
    }

    @Test
    void theShippedDatabaseUrlOpensNoPortAndWritesNoServerAddress() throws Exception {
        // the database is in use: an authorization request written, the connections read
        assertEquals(302, new Browser().get(base() + "/connect/x-series").statusCode());
        assertEquals(200, Browser.call("GET", base() + "/connections", apiKey, null).statusCode());

        Set<Integer> listening = ListeningPorts.of(node.pid());
        assertEquals(new TreeSet<>(Set.of(port, managementPort)), new TreeSet<>(listening),
                "the bridge listens on its HTTP and management ports only (no H2 TCP server)");

        Path data = work.resolve("data");
        assertTrue(Files.exists(data.resolve("bridge.mv.db")), "the shipped URL's database is under the node's data/");
        Map<Path, String> files = dataFiles();
        files.forEach((f, text) -> {
            if (f.getFileName().toString().endsWith(".lock.db")) {
                assertFalse(text.contains("server="), "lock file names a server address: " + f);
            }
        });
        System.out.println("ShippedDataDirTest: listening " + listening + " (http " + port + ", management " + managementPort
                + "); data/ holds " + files.keySet().stream().map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void noFileUnderDataHoldsASecretWhileTheBridgeRuns() throws Exception {
        List<String> secrets = new ArrayList<>(List.of(apiKey, clientSecret));
        for (String profile : List.of("x-series", "r-series", "l-series", "k-series")) {
            Browser browser = new Browser();
            HttpResponse<String> r = browser.get(base() + "/connect/" + profile);
            assertEquals(302, r.statusCode(), r::body);
            String authorize = Browser.location(r);
            HttpResponse<String> consent = new Browser().postForm(authorize, "decision=grant&store=data-dir-" + profile);
            assertEquals(302, consent.statusCode(), consent::body);
            String callback = Browser.location(consent);
            assertEquals(200, browser.get(callback).statusCode());
            secrets.add(Browser.query(callback).get("code"));
            secrets.add(Browser.query(authorize).get("state"));
            secrets.add(browser.cookies().get("lsb_binding"));
        }
        String personal = "data-dir-personal-" + UUID.randomUUID();
        secrets.add(personal);
        assertEquals(201, Browser.call("POST", base() + "/connections", apiKey,
                "{\"profile\":\"x-series\",\"domain_prefix\":\"data-dir-pt\",\"token\":\"" + personal + "\"}").statusCode());
        List<Map<String, Object>> listed = BridgeTestSupport.parse(Browser.call("GET", base() + "/connections", apiKey, null).body(),
                new com.fasterxml.jackson.core.type.TypeReference<List<Map<String, Object>>>() { });
        for (Map<String, Object> c : listed) {
            if ("x-series".equals(c.get("profile")) && "OAUTH".equals(c.get("kind"))) {
                String id = (String) c.get("id");
                assertEquals(200, Browser.call("GET", base() + "/api/" + id + "/2.0/products", apiKey, null).statusCode());
                assertEquals(200, Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null).statusCode());
                assertEquals(200, Browser.call("GET", base() + "/api/" + id + "/2.0/products", apiKey, null).statusCode());
            }
        }
        // the bearer tokens the sandbox received, before and after the refresh
        Matcher m = SANDBOX_SECRET.matcher(Browser.call("GET", base() + "/sandbox/admin/requests", null, null).body());
        Set<String> tokens = new LinkedHashSet<>();
        while (m.find()) {
            tokens.add(m.group());
        }
        assertTrue(tokens.size() >= 2, "access tokens before and after the refresh: " + tokens);
        secrets.addAll(tokens);

        Path keyFile = work.resolve("data/sandbox-encryption.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)),
                "the sandbox key file is readable by its owner only");
        String key = Files.readString(keyFile).trim();
        assertEquals(32, Base64.getDecoder().decode(key).length, "the key file holds the AES-256 key itself");
        secrets.add(key);

        Thread.sleep(1500); // H2 writes its file in the background: give it a moment
        Map<Path, String> files = dataFiles();
        assertTrue(files.remove(keyFile) != null, "the key file was read");
        assertTrue(files.keySet().stream().anyMatch(p -> p.toString().endsWith("bridge.mv.db")), "the database file is scanned");
        List<String> found = scan(files, secrets);
        assertTrue(found.isEmpty(), () -> "secrets under data/: " + found);
        assertTrue(secrets.size() >= 16, "secrets collected: " + secrets.size());
        // the scanner finds a planted secret in either encoding, and a token by its shape
        assertEquals(3, scan(Map.of(Path.of("a"), "x" + apiKey, Path.of("b"),
                new String(key.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1),
                Path.of("c"), "sbx-rt-x-AAAAAAAAAAAA"), secrets).size());
        System.out.println("ShippedDataDirTest: " + secrets.size() + " secrets looked for in " + files.keySet());
    }

    private static List<String> scan(Map<Path, String> files, List<String> secrets) {
        List<String> found = new ArrayList<>();
        files.forEach((path, text) -> {
            for (String s : secrets) {
                String wide = new String(s.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1);
                if (text.contains(s) || text.contains(wide)) {
                    found.add(path.getFileName() + " holds " + s.substring(0, Math.min(8, s.length())) + "...");
                }
            }
            Matcher shape = SANDBOX_SECRET.matcher(text);
            if (shape.find()) {
                found.add(path.getFileName() + " holds a sandbox token or code " + shape.group().substring(0, 10) + "...");
            }
        });
        return found;
    }

    /** Every file under the node's data/, read now (while the bridge runs). */
    private Map<Path, String> dataFiles() throws IOException {
        Map<Path, String> out = new java.util.LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(work.resolve("data"))) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                out.put(p, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    /** The detector can fail: an H2 file opened with AUTO_SERVER=TRUE in this JVM adds a port, named in its lock file. */
    @Test
    void theSameCheckFindsTheServerThatAutoServerOpens() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        long self = ProcessHandle.current().pid();
        String file = "target/test-db/auto-server-" + UUID.randomUUID();
        Set<Integer> before = ListeningPorts.of(self);
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:./" + file + ";AUTO_SERVER=TRUE", "sa", "sa")) {
            c.createStatement().execute("CREATE TABLE t (id INT)");
            Set<Integer> opened = new HashSet<>(ListeningPorts.of(self));
            opened.removeAll(before);
            assertFalse(opened.isEmpty(), "AUTO_SERVER opened a port");
            String lock = Files.readString(Path.of(file + ".lock.db"), StandardCharsets.ISO_8859_1);
            assertTrue(lock.contains("server="), lock);
            assertTrue(opened.stream().anyMatch(p -> lock.contains(":" + p)), "the lock file names the port " + opened);
        }
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

    private static void awaitStarted(Process node, int port, Path log, String apiKey) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000; // a busy 2-core machine starts a JVM slowly
        while (System.currentTimeMillis() < deadline) {
            if (!node.isAlive()) {
                throw new AssertionError("the bridge exited: " + Files.readString(log));
            }
            try {
                // answered by this process (not by another that took the same free port meanwhile), by the operator
                // API's route (the front door answers a keyless 401 before Camel's routes have started)
                if (Browser.call("GET", "http://localhost:" + port + "/connections", apiKey, null).statusCode() == 200
                        && ListeningPorts.of(node.pid()).contains(port)) {
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
