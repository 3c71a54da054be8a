package io.lsbridge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * No secret on disk outside the database while `bin/camel run` runs (issue 9, item 6): starts the
 * real launcher with its own API key, sandbox client secret and database, connects stores, calls the
 * operator API and the proxy, refreshes, then scans every file Camel JBang and the bridge wrote
 * (~/.camel, .camel-jbang/, the run's data directory with its database, the process's output, files
 * written meanwhile under data/ and .camel-cli/, the JVM's hsperfdata file) for the API key, the client
 * secret, codes, states, binding cookies, the personal token, every token the sandbox issued and the
 * encryption key. The sandbox key file is the key by design: owner-only, and left out of the scan.
 */
class CamelRunSecretsTest {
    /** Sandbox tokens and codes by their shape: a leak is caught even for a value the test never saw. */
    private static final Pattern SANDBOX_SECRET = Pattern.compile("sbx-(at|rt|code)-[A-Za-z0-9_-]{8,}");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    private final Path work = Path.of("target/camel-run-secrets");
    private static final Path CAMEL_HOME = Path.of(System.getProperty("user.home"), ".camel");
    private String base;
    private FileTime started;

    @Test
    void camelRunWritesNoSecretToAnyFile() throws Exception {
        deleteTree(work);
        Files.createDirectories(work);
        String apiKey = "it-key-" + UUID.randomUUID();
        String clientSecret = "it-secret-" + UUID.randomUUID();
        int port = freePort();
        int managementPort = freePort();
        base = "http://localhost:" + port;
        Path stdout = work.resolve("stdout.log");
        ProcessBuilder pb = new ProcessBuilder("bin/camel", "run", "--property=camel.server.port=" + port,
                "--property=camel.management.port=" + managementPort)
                .directory(new File(".")).redirectErrorStream(true).redirectOutput(stdout.toFile());
        // secrets come from the environment, as in production (Camel maps BRIDGE_X_Y to bridge.x.y)
        pb.environment().put("BRIDGE_API_KEY", apiKey);
        pb.environment().put("BRIDGE_SANDBOX_CLIENT_SECRET", clientSecret);
        pb.environment().put("BRIDGE_DB_URL", "jdbc:h2:file:./" + work + "/bridge");
        pb.environment().put("BRIDGE_ENCRYPTION_SANDBOX_KEY_FILE", work + "/sandbox-encryption.key");
        // files written from now on under data/ and .camel-cli/ (the launcher's class-data archive) are scanned too
        started = FileTime.fromMillis(System.currentTimeMillis() - 2000);
        Process camel = pb.start();
        List<String> secrets = new ArrayList<>(List.of(apiKey, clientSecret));
        Map<Path, String> whileRunning;
        try {
            awaitReady(camel, stdout);
            for (String profile : List.of("x-series", "r-series", "l-series")) {
                secrets.addAll(connect(profile));
            }
            List<Map<String, Object>> ids = ids(call("GET", "/connections", apiKey, null));
            assertTrue(ids.size() >= 3, "stores connected: " + ids);
            assertEquals(401, call("GET", "/connections", "wrong-key", null).statusCode());
            for (Map<String, Object> c : ids) {
                String id = (String) c.get("id");
                if ("x-series".equals(c.get("profile"))) {
                    assertEquals(200, call("GET", "/api/" + id + "/2.0/products", apiKey, null).statusCode());
                    assertEquals(200, call("POST", "/connections/" + id + "/refresh", apiKey, null).statusCode());
                    assertEquals(200, call("GET", "/api/" + id + "/2.0/products", apiKey, null).statusCode());
                }
            }
            String personal = "it-personal-" + UUID.randomUUID();
            secrets.add(personal);
            assertEquals(201, call("POST", "/connections", apiKey,
                    "{\"profile\":\"x-series\",\"domain_prefix\":\"it-pt-shop\",\"token\":\"" + personal + "\"}").statusCode());
            // the bearer tokens the sandbox saw on API calls
            Matcher m = SANDBOX_SECRET.matcher(call("GET", "/sandbox/admin/requests", null, null).body());
            Set<String> tokens = new LinkedHashSet<>();
            while (m.find()) {
                tokens.add(m.group());
            }
            assertTrue(tokens.size() >= 2, "access tokens before and after the refresh: " + tokens);
            secrets.addAll(tokens);
            Thread.sleep(3000); // Camel JBang's CLI connector, when present, writes its files every 1-2 s
            whileRunning = readAll(camel.pid());
        } finally {
            camel.destroy(); // SIGTERM: bin/camel execs java
            if (!camel.waitFor(180, TimeUnit.SECONDS)) {
                camel.destroyForcibly().waitFor();
            }
        }
        Map<Path, String> files = new LinkedHashMap<>(whileRunning);
        files.putAll(readAll(-1));

        Path keyFile = work.resolve("sandbox-encryption.key");
        assertTrue(Files.exists(keyFile), "sandbox mode made its key file");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)),
                "the sandbox key file is readable by its owner only");
        secrets.add(Files.readString(keyFile).trim());
        files.remove(keyFile);

        String log = files.getOrDefault(stdout, "");
        assertTrue(log.contains("Apache Camel") && log.contains(":" + port + "/"), "the process output was captured");
        assertTrue(files.keySet().stream().anyMatch(p -> p.toString().endsWith(".mv.db")), "the database file was scanned");
        assertTrue(secrets.size() >= 12, "secrets collected: " + secrets.size());
        assertNoSecret(files, secrets, camel.pid());

        // the scanner finds a planted secret (the check above can fail)
        Map<Path, String> planted = Map.of(Path.of("planted"), "x" + secrets.get(0) + "x " + "sbx-rt-x-AAAAAAAAAAAA");
        AssertionError caught = null;
        try {
            assertNoSecret(planted, secrets, camel.pid());
        } catch (AssertionError e) {
            caught = e;
        }
        assertTrue(caught != null, "a planted secret is reported");
    }

    private static void assertNoSecret(Map<Path, String> files, List<String> secrets, long ownPid) {
        List<String> found = new ArrayList<>();
        files.forEach((path, text) -> {
            for (String s : secrets) {
                String wide = new String(s.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1);
                if (text.contains(s) || text.contains(wide)) {
                    found.add(path + " holds " + s.substring(0, Math.min(8, s.length())) + "...");
                }
            }
            // ~/.camel is shared by every Camel JBang on the machine: match shapes only in this run's files there
            boolean other = path.startsWith(CAMEL_HOME) && !path.getFileName().toString().startsWith(ownPid + "");
            Matcher m = SANDBOX_SECRET.matcher(text);
            if (!other && m.find()) {
                found.add(path + " holds a sandbox token or code " + m.group().substring(0, 10) + "...");
            }
        });
        assertTrue(found.isEmpty(), () -> "secrets on disk: " + found);
    }

    /**
     * Every file Camel JBang or the bridge may have written: the run's own directory (its database, key
     * file and output), .camel-jbang/ and ~/.camel; the files written during this run under data/ and
     * .camel-cli/ (the launcher's class-data archive); with a pid, the JVM's performance data file
     * (hsperfdata: its command line and system properties) while it runs.
     */
    private Map<Path, String> readAll(long pid) throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        List<Path> roots = new ArrayList<>(List.of(work, Path.of(".camel-jbang"), CAMEL_HOME, Path.of("data"),
                Path.of(".camel-cli")));
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            boolean sinceStart = root.equals(Path.of("data")) || root.equals(Path.of(".camel-cli"));
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                    try {
                        if (!sinceStart || Files.getLastModifiedTime(p).compareTo(started) >= 0) {
                            out.put(p, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
                        }
                    } catch (IOException gone) {
                        // a file of another process that went away meanwhile
                    }
                }
            }
        }
        Path perfData = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                Long.toString(pid));
        if (pid > 0 && Files.isRegularFile(perfData)) {
            out.put(perfData, new String(Files.readAllBytes(perfData), StandardCharsets.ISO_8859_1));
        }
        if (pid > 0) {
            System.out.println("~/.camel files of this run: " + out.keySet().stream()
                    .filter(p -> p.startsWith(CAMEL_HOME) && p.getFileName().toString().startsWith(pid + "")).toList());
            System.out.println("files scanned outside ~/.camel: " + out.keySet().stream()
                    .filter(p -> !p.startsWith(CAMEL_HOME)).toList());
        }
        return out;
    }

    private List<String> connect(String profile) {
        Map<String, String> cookies = new LinkedHashMap<>();
        HttpResponse<String> r = browse("GET", base + "/connect/" + profile, cookies, null);
        assertEquals(302, r.statusCode(), r::body);
        String authorize = location(r);
        r = browse("POST", authorize, new LinkedHashMap<>(), "decision=grant&store=it-shop-" + profile);
        assertEquals(302, r.statusCode(), r::body);
        String callback = location(r);
        r = browse("GET", callback, cookies, null);
        assertEquals(200, r.statusCode(), r::body);
        List<String> secrets = new ArrayList<>(List.of(query(callback).get("code"), query(authorize).get("state")));
        secrets.addAll(cookies.values());
        return secrets;
    }

    private static HttpResponse<String> browse(String method, String url, Map<String, String> cookies, String form) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
        if (!cookies.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            cookies.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append('=').append(v));
            b.header("Cookie", sb.toString());
        }
        if (form != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = send(b);
        r.headers().allValues("set-cookie").forEach(c -> {
            String[] kv = c.split(";", 2)[0].split("=", 2);
            cookies.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
        });
        return r;
    }

    private HttpResponse<String> call(String method, String path, String apiKey, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            b.header("X-Api-Key", apiKey);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return send(b);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ids(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r::body);
        Object parsed = new com.fasterxml.jackson.databind.ObjectMapper().readValue(r.body(), Object.class);
        if (parsed instanceof Map<?, ?> map && map.get("connections") instanceof List<?> list) {
            return (List<Map<String, Object>>) list;
        }
        return (List<Map<String, Object>>) parsed;
    }

    private void awaitReady(Process camel, Path stdout) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600); // first run fetches the CLI and compiles
        while (System.nanoTime() < deadline) {
            if (!camel.isAlive()) {
                throw new AssertionError("bin/camel run exited: " + Files.readString(stdout));
            }
            try {
                // and the port is this process's (not another bridge's that took the same free port meanwhile)
                if (send(HttpRequest.newBuilder(URI.create(base + "/connect/x-series")).timeout(Duration.ofSeconds(5)))
                        .statusCode() == 302 && (!Files.isDirectory(Path.of("/proc/self/fd"))
                        || io.lsbridge.ListeningPorts.of(camel.pid()).contains(URI.create(base).getPort()))) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("bin/camel run not ready in 600 s");
    }

    private static String location(HttpResponse<?> r) {
        return r.headers().firstValue("location").orElseThrow(() -> new AssertionError("no Location: " + r.statusCode()));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> m = new LinkedHashMap<>();
        String q = URI.create(url).getRawQuery();
        for (String pair : q == null ? new String[0] : q.split("&")) {
            String[] kv = pair.split("=", 2);
            m.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return m;
    }

    private static int freePort() throws IOException {
        return io.lsbridge.BridgeTestSupport.freePort();
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }
}
