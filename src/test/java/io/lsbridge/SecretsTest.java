package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Secrets stay secret: the database file (and every other file kept beside it: H2's lock and trace
 * files) holds no token or verifier in plain text, and the log of full flows (good and bad) holds no
 * token, code, verifier, client secret, API key or encryption key. The sandbox key file is the key
 * itself: readable by its owner only, and its key in no other file. (A bridge on the shipped data/
 * directory: ShippedDataDirTest; under bin/camel run with ~/.camel: CamelRunSecretsTest.)
 */
class SecretsTest extends BridgeTestSupport {

    @Test
    void noSecretInTheDatabaseFileOrTheLog() throws Exception {
        Path log = Path.of("target/test-logs/bridge-tests.log");
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        List<String> secrets = new ArrayList<>();
        secrets.add(apiKey);
        secrets.add(sandboxSecret);

        for (String profile : List.of("x-series", "r-series", "o-series", "l-series", "k-series")) {
            Browser browser = new Browser();
            String authorize = connect(browser, profile);
            String callback = decide(authorize, "grant", "secret-shop");
            secrets.add(Browser.query(callback).get("code"));
            secrets.add(Browser.query(authorize).get("state"));
            secrets.add(browser.cookies().get("lsb_binding"));
            if ("l-series".equals(profile)) {
                // the verifier is only in the database, encrypted: read it back through the bridge's cipher
                ConnectionStore store = context.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
                String verifier = store.findAuthorizationRequest(Secrets.sha256Hex(Browser.query(authorize).get("state")))
                        .orElseThrow().verifier();
                assertTrue(verifier.length() >= 43);
                secrets.add(verifier);
            }
            HttpResponse<String> page = browser.get(callback);
            assertEquals(200, page.statusCode(), page::body);
            // a replay and a forged state put failures in the log too
            assertEquals(400, browser.get(callback).statusCode());
            assertEquals(400, browser.get(callback.replaceAll("state=[^&]+", "state=forged")).statusCode());
            for (String s : secrets) {
                assertFalse(page.body().contains(s), "the result page shows no secret");
            }
        }
        // the proxy and the refresh protocol run too, with their tokens collected below
        for (Map<String, Object> c : connections()) {
            String id = (String) c.get("id");
            if ("x-series".equals(c.get("profile"))) {
                assertEquals(200, Browser.call("GET", base() + "/api/" + id + "/2.0/products", apiKey, null).statusCode());
            }
            secrets.add(accessToken(id));
            assertEquals(200, Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null).statusCode());
        }
        assertEquals(400, Browser.call("GET", base() + "/api/" + connections().get(0).get("id") + "/%2e%2e/x", apiKey, null)
                .statusCode());
        // (the front door refuses that one before the route: a call the route itself refuses is logged by api-http)
        assertEquals(404, Browser.call("GET", base() + "/api/00000000-0000-0000-0000-000000000000/x", apiKey, null).statusCode());
        assertEquals(201, Browser.call("POST", base() + "/connections", apiKey,
                "{\"domain_prefix\":\"pt-shop\",\"token\":\"personal-token-value-123456\"}").statusCode());
        secrets.add("personal-token-value-123456");
        assertEquals(401, Browser.call("GET", base() + "/connections", "wrong-" + apiKey, null).statusCode());

        // every stored token, decrypted by the bridge's own cipher, is a secret to look for
        TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
        for (List<Object> row : rows("SELECT key_id, access_token_enc, refresh_token_enc, id FROM connection")) {
            String access = cipher.decrypt((String) row.get(0), (String) row.get(1), ConnectionStore.ACCESS, (String) row.get(3));
            secrets.add(access);
            if (row.get(2) != null) {
                secrets.add(cipher.decrypt((String) row.get(0), (String) row.get(2), ConnectionStore.REFRESH, (String) row.get(3)));
            }
            assertFalse(access.equals(row.get(1)), "stored value is ciphertext");
        }
        assertTrue(secrets.stream().filter(s -> s.startsWith("sbx-at-")).count() >= 5, "access tokens collected");
        assertTrue(secrets.stream().filter(s -> s.startsWith("sbx-rt-")).count() >= 5, "refresh tokens collected");

        // the operator API shows none of them either
        String listing = Browser.call("GET", base() + "/connections", apiKey, null).body();
        for (Map<String, Object> c : connections()) {
            listing += Browser.call("GET", base() + "/connections/" + c.get("id"), apiKey, null).body();
        }

        // the encryption key (sandbox mode: a key file made on first run) is a secret too, except in its own file
        Path keyFile = Path.of(dbFile + ".key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)),
                "the sandbox key file is readable by its owner only");
        secrets.add(Files.readString(keyFile).trim());

        execute("CHECKPOINT SYNC");
        byte[] db = Files.readAllBytes(Path.of(dbFile + ".mv.db"));
        String dbUtf8 = new String(db, StandardCharsets.ISO_8859_1);
        // every other file this bridge keeps beside its database (H2's lock and trace files, ...)
        Map<Path, String> dataFiles = new LinkedHashMap<>();
        try (Stream<Path> dir = Files.list(Path.of(dbFile).getParent())) {
            for (Path f : (Iterable<Path>) dir::iterator) {
                if (f.getFileName().toString().startsWith(Path.of(dbFile).getFileName().toString()) && !f.equals(keyFile)
                        && Files.isRegularFile(f)) {
                    dataFiles.put(f, new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                }
            }
        }
        assertTrue(dataFiles.containsKey(Path.of(dbFile + ".mv.db")), "the database file is among them: " + dataFiles.keySet());
        String log1 = Files.readString(log, StandardCharsets.UTF_8).substring((int) logStart);
        assertTrue(log1.contains("Connection ") && log1.contains("refused") && log1.contains("api-http failed"),
                "the log did capture the flows");
        for (String s : secrets) {
            assertFalse(dbUtf8.contains(s), "database file holds a secret in plain text");
            assertFalse(dbUtf8.contains(new String(s.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1)));
            assertFalse(log1.contains(s), () -> "log holds a secret: " + s.substring(0, 6) + "...");
            assertFalse(listing.contains(s), "operator API shows a secret");
            dataFiles.forEach((f, text) -> assertFalse(text.contains(s)
                    || text.contains(new String(s.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1)),
                    () -> f + " holds a secret: " + s.substring(0, 6) + "..."));
        }
        // the test's own secrets were really exercised
        assertTrue(db.length > 0 && secrets.size() > 25, "secrets collected: " + secrets.size());
    }
}
