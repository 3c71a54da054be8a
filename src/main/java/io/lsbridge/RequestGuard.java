package io.lsbridge;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * Refuses request paths with dot segments ({@code ..}, also percent-encoded). The HTTP server
 * routes on the normalised path, so without this {@code /api/{id}/../../connections} would quietly
 * reach another route; a caller sending such a path gets a clear 400 instead.
 */
public class RequestGuard {

    public void rejectDotSegments(@Header(Exchange.HTTP_URI) String rawUri) {
        if (rawUri == null) {
            return;
        }
        int q = rawUri.indexOf('?');
        String path = q >= 0 ? rawUri.substring(0, q) : rawUri;
        for (int i = 0; i < 3; i++) {
            for (String segment : path.split("/", -1)) {
                if (segment.equals("..") || segment.equals(".")) {
                    throw new BridgeException(400, "invalid_path", "The path may not hold '..' or '.' segments.");
                }
            }
            String decoded;
            try {
                decoded = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new BridgeException(400, "invalid_path", "The path has a broken percent-encoding.");
            }
            if (decoded.equals(path)) {
                return;
            }
            path = decoded;
        }
    }

    public void notFound() {
        throw new BridgeException(404, "not_found", "Nothing is served at this path.");
    }
}
