package io.lsbridge.sandbox;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * How the sandbox answers HTTP. It plays Lightspeed's servers, so it writes the status, the
 * headers and the body of each answer itself (the bridge's own helpers never do this).
 */
final class SandboxHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FORM_FIELDS = List.of("grant_type", "code", "redirect_uri", "client_id",
            "client_secret", "code_verifier", "refresh_token", "scope", "decision", "store");

    private SandboxHttp() {
    }

    static String json(Message in, int status, Object body) {
        clean(in);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String oauthError(Message in, int status, String error, String description) {
        return json(in, status, Map.of("error", error, "error_description", description));
    }

    static String page(Message in, int status, String title, String body) {
        clean(in);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head><body>"
                + "<p><i>Lightspeed sandbox (emulator)</i></p><h1>" + escape(title) + "</h1>" + body + "</body></html>";
    }

    /** A 302 to {@code uri} with the parameters (and the client's state) in its query. */
    static String redirect(Message in, String uri, Map<String, String> params, String state) {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (state != null) {
            all.put("state", state);
        }
        StringBuilder sb = new StringBuilder(uri).append(uri.contains("?") ? '&' : '?');
        all.forEach((k, v) -> sb.append(enc(k)).append('=').append(enc(v)).append('&'));
        sb.setLength(sb.length() - 1);
        clean(in);
        in.setHeader("Location", sb.toString());
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
        return "";
    }

    /** Request headers must not echo back into the response. */
    static void clean(Message in) {
        in.removeHeaders("*", Exchange.HTTP_RESPONSE_CODE, Exchange.CONTENT_TYPE, "WWW-Authenticate", "Retry-After", "X-*");
    }

    /** The form body's fields (Camel may have moved some into headers; query parameters are not form fields). */
    static Map<String, String> formOf(Message in) {
        Map<String, String> form = parse(in.getBody(String.class));
        String query = in.getHeader(Exchange.HTTP_QUERY, String.class) + "&";
        for (String name : FORM_FIELDS) {
            Object v = in.getHeader(name);
            if (!form.containsKey(name) && v != null && !query.contains(name + "=")) {
                form.put(name, v.toString());
            }
        }
        return form;
    }

    static Map<String, String> parse(String query) {
        Map<String, String> m = new LinkedHashMap<>();
        if (query == null || query.isBlank()) {
            return m;
        }
        for (String pair : query.split("&")) {
            String[] kv = pair.split("=", 2);
            m.putIfAbsent(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return m;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
