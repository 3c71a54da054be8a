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
    private static final Pattern ID = Pattern.compile("^[0-9a-f-]{36}$");
    /** Characters a path may keep once decoded: no backslash, no control characters, no spaces. */
    private static final Pattern SAFE_PATH = Pattern.compile("^[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

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

    /** Checks the call: throws a {@link BridgeException} for anything that may not be forwarded. */
    public void check(@Header("LightspeedConnectionId") String connectionId, @Header(Exchange.HTTP_METHOD) String method,
                      @Header("LightspeedPath") String path, @Header(Exchange.HTTP_QUERY) String query,
                      @Headers Map<String, Object> headers) {
        if (connectionId == null || !ID.matcher(connectionId).matches()) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        httpMethod(method);
        safePath(path == null ? "" : path);
        if (query != null && (query.indexOf('\r') >= 0 || query.indexOf('\n') >= 0 || query.indexOf('#') >= 0
                || query.indexOf(' ') >= 0)) {
            throw new BridgeException(400, "invalid_query", "The query string holds characters that are not allowed.");
        }
        if (headers != null) {
            for (Map.Entry<String, Object> h : headers.entrySet()) {
                if (h.getValue() instanceof String v && (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0)
                        && forwardHeaders.matcher(h.getKey()).matches()) {
                    throw new BridgeException(400, "invalid_header", "Header " + h.getKey() + " holds a line break.");
                }
            }
        }
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
        for (String path : decodings(raw)) {
            if (!SAFE_PATH.matcher(path).matches()) {
                throw new BridgeException(400, "invalid_path", "The path holds characters that are not allowed.");
            }
            for (String segment : path.split("/", -1)) {
                int semicolon = segment.indexOf(';');
                String bare = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
                if (bare.equals("..") || bare.equals(".")) {
                    throw new BridgeException(400, "invalid_path", "The path may not hold '..' or '.' segments.");
                }
            }
            if (path.contains("//") || path.contains("\\") || path.startsWith("/") || SCHEME.matcher(path).matches()) {
                throw new BridgeException(400, "invalid_path", "The path may not hold a scheme, '//' or a leading '/'.");
            }
        }
    }

    /** The path as given and as percent-decoded up to three times: the shared guard's decoding. */
    static List<String> decodings(String raw) {
        return RequestGuard.decodings(raw);
    }
}
