package io.lsbridge.http;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.lsbridge.BridgeException;
import io.lsbridge.RequestGuard;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Headers;
import org.apache.camel.component.http.HttpMethods;

/**
 * Checks a proxied call before anything leaves the bridge: the connection id's shape, the method,
 * the path (no traversal, also percent-encoded or hidden in a {@code ;} path parameter, no scheme,
 * no {@code //}, no odd characters), the query and the values of the headers that will be
 * forwarded (no line breaks). Values in, a value out, or a {@link BridgeException} (400, 404, 405).
 * The inputs are bound by annotation (the route names the method only): Camel parses an explicit
 * parameter list on every call, measurably slower on the proxy's hot path.
 */
public class ApiRequestCheck {
    private Pattern forwardHeaders = Pattern.compile("(?i)Accept");

    /** The request headers that travel upstream: a regular expression, matched case-insensitively (bridge.api.forward-headers). */
    public void setForwardHeaders(String regex) {
        this.forwardHeaders = Pattern.compile("(?i)(?:" + regex + ")");
    }

    /**
     * HTTP entry: the path after {@code /api/{connectionId}/}, from the raw request URI (not decoded,
     * not normalised); a backslash (refused by {@link #check}) when the URI does not start so.
     */
    public String pathAfter(@Header("connectionId") String connectionId, @Header(Exchange.HTTP_URI) String rawUri) {
        int q = rawUri == null ? -1 : rawUri.indexOf('?');
        String rawPath = q >= 0 ? rawUri.substring(0, q) : rawUri;
        String prefix = "/api/" + connectionId;
        if (rawPath == null || connectionId == null || !rawPath.startsWith(prefix)) {
            return "\\";
        }
        String rest = rawPath.substring(prefix.length());
        return rest.startsWith("/") ? rest.substring(1) : rest;
    }

    /**
     * Checks the call and answers its method as camel-http's enum (the HTTP client then converts nothing
     * per call): throws a {@link BridgeException} for anything that may not be forwarded. Reads
     * headers LightspeedConnectionId, CamelHttpMethod, LightspeedPath, CamelHttpQuery and the values of
     * the headers that will travel; one binding (the header map): each bound parameter costs Camel an
     * expression and a conversion on every call.
     */
    public HttpMethods check(@Headers Map<String, Object> headers) {
        if (!isConnectionId(text(headers.get("LightspeedConnectionId")))) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        HttpMethods method = httpMethod(text(headers.get(Exchange.HTTP_METHOD)));
        String path = text(headers.get("LightspeedPath"));
        safePath(path == null ? "" : path);
        String query = text(headers.get(Exchange.HTTP_QUERY));
        if (query != null && (query.indexOf('\r') >= 0 || query.indexOf('\n') >= 0 || query.indexOf('#') >= 0
                || query.indexOf(' ') >= 0)) {
            throw new BridgeException(400, "invalid_query", "The query string holds characters that are not allowed.");
        }
        for (Map.Entry<String, Object> h : headers.entrySet()) {
            if (h.getValue() instanceof String v && (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0)
                    && forwardHeaders.matcher(h.getKey()).matches()) {
                throw new BridgeException(400, "invalid_header", "Header " + h.getKey() + " holds a line break.");
            }
        }
        return method;
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    /** A connection id: 36 characters of lower-case hex digits and '-' (as ^[0-9a-f-]{36}$). */
    static boolean isConnectionId(String id) {
        if (id == null || id.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** The method as camel-http's enum (set as {@code CamelHttpMethod}: the HTTP client then converts nothing per call). */
    public HttpMethods httpMethod(@Header(Exchange.HTTP_METHOD) String method) {
        if (method == null) {
            return HttpMethods.GET;
        }
        switch (method) {
            case "GET":
                return HttpMethods.GET;
            case "POST":
                return HttpMethods.POST;
            case "PUT":
                return HttpMethods.PUT;
            case "PATCH":
                return HttpMethods.PATCH;
            case "DELETE":
                return HttpMethods.DELETE;
            case "HEAD":
                return HttpMethods.HEAD;
            default:
                String upper = method.toUpperCase(java.util.Locale.ROOT);
                if (!upper.equals(method)) {
                    return httpMethod(upper);
                }
                throw new BridgeException(405, "method_not_allowed", "Method " + method.replaceAll("[^A-Za-z]", "")
                        + " is not proxied.");
        }
    }

    /** Rejects traversal (also percent-encoded, twice, or as {@code ..;x}), schemes, empty segments and odd characters. */
    static void safePath(String raw) {
        if (raw.indexOf('%') < 0) {   // nothing to decode (most calls)
            safeDecodedPath(raw);
            return;
        }
        for (String path : decodings(raw)) {
            safeDecodedPath(path);
        }
    }

    private static void safeDecodedPath(String path) {
        int n = path.length();
        for (int i = 0; i < n; i++) {
            if (!pathCharacter(path.charAt(i))) {
                throw new BridgeException(400, "invalid_path", "The path holds characters that are not allowed.");
            }
        }
        for (int start = 0; start <= n; ) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? n : slash;
            int semicolon = path.indexOf(';', start);
            int bareEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
            int length = bareEnd - start;
            if (length == 1 && path.charAt(start) == '.' || length == 2 && path.startsWith("..", start)) {
                throw new BridgeException(400, "invalid_path", "The path may not hold '..' or '.' segments.");
            }
            start = end + 1;
        }
        if (path.contains("//") || path.indexOf('\\') >= 0 || path.startsWith("/") || hasScheme(path)) {
            throw new BridgeException(400, "invalid_path", "The path may not hold a scheme, '//' or a leading '/'.");
        }
    }

    /** The characters a path may keep once decoded ([A-Za-z0-9._~!$&'()*+,;=:@/%-]): no backslash, controls or spaces. */
    private static boolean pathCharacter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "._~!$&'()*+,;=:@/%-".indexOf(c) >= 0;
    }

    /** Starts with a URI scheme (as ^[A-Za-z][A-Za-z0-9+.-]*:). */
    private static boolean hasScheme(String path) {
        if (path.isEmpty() || !(path.charAt(0) >= 'a' && path.charAt(0) <= 'z' || path.charAt(0) >= 'A' && path.charAt(0) <= 'Z')) {
            return false;
        }
        for (int i = 1; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == ':') {
                return true;
            }
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-')) {
                return false;
            }
        }
        return false;
    }

    /** The path as given and as percent-decoded up to three times: the shared guard's decoding. */
    static List<String> decodings(String raw) {
        return RequestGuard.decodings(raw);
    }
}
