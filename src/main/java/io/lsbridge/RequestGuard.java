package io.lsbridge;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * Refuses request paths with dot segments: {@code ..} and {@code .}, also percent-encoded (up to
 * three times), with path parameters ({@code ..;/}, {@code .;x}: servers such as Tomcat drop
 * what follows ';' and then resolve the dot) or after a backslash (which some servers read as
 * '/'). The HTTP server routes on the normalised path, so without this
 * {@code /api/{id}/../../connections} would quietly reach another route or, forwarded, another
 * resource upstream; a caller sending such a path gets a clear 400 instead.
 */
public class RequestGuard {

    /** Takes the raw request URI (path and query as the client sent them). */
    public void rejectDotSegments(@Header(Exchange.HTTP_URI) String rawUri) {
        if (rawUri == null) {
            return;
        }
        int q = rawUri.indexOf('?');
        int end = q >= 0 ? q : rawUri.length();
        // a dot segment needs a '.', an encoded one a '%': most paths have neither (every proxied call comes here)
        if (rawUri.lastIndexOf('.', end - 1) < 0 && rawUri.lastIndexOf('%', end - 1) < 0) {
            return;
        }
        for (String path : decodings(rawUri.substring(0, end))) {
            rejectDotSegmentsIn(path);
        }
    }

    /** The answer of the fallback route: nothing is served at this path. */
    public void notFound() {
        throw new BridgeException(404, "not_found", "Nothing is served at this path.");
    }

    static void rejectDotSegmentsIn(String path) {
        for (String segment : path.split("[/\\\\]", -1)) {
            int semicolon = segment.indexOf(';');
            String name = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
            if (name.equals("..") || name.equals(".")) {
                throw new BridgeException(400, "invalid_path", "The path may not hold '..' or '.' segments.");
            }
        }
    }

    /** The path as given and as percent-decoded once, twice and three times (double encoding is a classic trick). */
    public static List<String> decodings(String raw) {
        List<String> out = new ArrayList<>(List.of(raw));
        String current = raw;
        for (int i = 0; i < 3 && current.indexOf('%') >= 0; i++) {
            String next;
            try {
                next = URLDecoder.decode(current.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new BridgeException(400, "invalid_path", "The path has a broken percent-encoding.");
            }
            if (next.equals(current)) {
                break;
            }
            out.add(next);
            current = next;
        }
        return out;
    }
}
