package io.lsbridge.flow;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** application/x-www-form-urlencoded in both directions: query strings and token request bodies. */
public final class UrlForm {
    private UrlForm() {
    }

    /** Encodes the non-null values, in the map's order. */
    public static String encode(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> {
            if (v != null) {
                if (sb.length() > 0) {
                    sb.append('&');
                }
                sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
            }
        });
        return sb.toString();
    }

    /**
     * One parameter of a raw query string, decoded; null when absent, and also when repeated
     * (a second value is never silently preferred to the first).
     */
    public static String param(String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        String found = null;
        for (String pair : rawQuery.split("&")) {
            String[] kv = pair.split("=", 2);
            if (decode(kv[0]).equals(name)) {
                if (found != null) {
                    return null;
                }
                found = kv.length > 1 ? decode(kv[1]) : "";
            }
        }
        return found;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "\u0000invalid";   // a broken %-escape never equals a name nor passes a check
        }
    }
}
