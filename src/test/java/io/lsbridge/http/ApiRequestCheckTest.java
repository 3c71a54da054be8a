package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import io.lsbridge.BridgeException;
import io.lsbridge.RequestGuard;
import org.junit.jupiter.api.Test;

/**
 * The proxy's path and id checks are hand-written loops (they run on every call); they must decide
 * exactly as the regular expressions they replaced, kept here as the reference.
 */
class ApiRequestCheckTest {
    private static final Pattern SAFE_PATH = Pattern.compile("^[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");
    private static final Pattern ID = Pattern.compile("^[0-9a-f-]{36}$");

    private static void referencePathCheck(String raw) {
        for (String path : RequestGuard.decodings(raw)) {
            if (!SAFE_PATH.matcher(path).matches()) {
                throw new BridgeException(400, "invalid_path", "characters");
            }
            for (String segment : path.split("/", -1)) {
                int semicolon = segment.indexOf(';');
                String bare = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
                if (bare.equals("..") || bare.equals(".")) {
                    throw new BridgeException(400, "invalid_path", "dot segment");
                }
            }
            if (path.contains("//") || path.contains("\\") || path.startsWith("/") || SCHEME.matcher(path).matches()) {
                throw new BridgeException(400, "invalid_path", "scheme");
            }
        }
    }

    private static boolean accepted(Runnable check) {
        try {
            check.run();
            return true;
        } catch (BridgeException e) {
            assertEquals(400, e.getStatus());
            return false;
        }
    }

    @Test
    void pathsAreAcceptedAndRefusedAsByTheRegularExpressions() {
        List<String> paths = new ArrayList<>(List.of("", "items", "2.0/products", "../x", "a/../b", "a/..;/b",
                "a/.;x/b", "%2e%2e/x", "%252e%252e/x", "%25252e%25252e/x", "a//b", "/a", "http:x", "h2+.-:x", "1http:x",
                "a:b", "a%2fb", "a\\b", "a b", "..", ".", "a/.", "a/..", "x;y/..;z", ".;", "..;", "a/b/", "a.b/c.d",
                "API/Account/1/Item.json", "a%20b", "~user/it's(1)*+,=:@!$&"));
        Random random = new Random(8);
        String alphabet = "a./;%2eE5:\\ b1+-#?x/..;~";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            paths.add(b.toString());
        }
        int refused = 0;
        for (String path : paths) {
            boolean expected;
            try {
                expected = accepted(() -> referencePathCheck(path));
            } catch (RuntimeException brokenEscape) {
                continue;
            }
            assertEquals(expected, accepted(() -> ApiRequestCheck.safePath(path)), "path [" + path + "]");
            refused += expected ? 0 : 1;
        }
        // the corpus exercises both answers
        assertEquals(true, refused > 1_000 && refused < paths.size() - 1_000, "refused " + refused + " of " + paths.size());
    }

    @Test
    void connectionIdsAreAcceptedAsByTheRegularExpression() {
        Random random = new Random(9);
        String alphabet = "0123456789abcdef-gA ";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextBoolean() ? 36 : random.nextInt(40); n > 0; n--) {
                b.append(alphabet.charAt(random.nextInt(random.nextInt(4) == 0 ? alphabet.length() : 17)));
            }
            String id = b.toString();
            assertEquals(ID.matcher(id).matches(), ApiRequestCheck.isConnectionId(id), "id [" + id + "]");
        }
        assertEquals(true, ApiRequestCheck.isConnectionId("0b5f6a4e-8c1d-4e2a-9f3b-7d6c5e4a3b21"));
    }
}
