package io.lsbridge;

import java.util.LinkedHashMap;
import java.util.Map;

/** The small HTML pages a retailer's browser sees, and the JSON errors operators see. */
public class Pages {

    public String connected(String profile, TenantDiscovery.Tenant tenant, ConnectionStore.Saved saved) {
        String store = tenant.name() == null ? tenant.key() : tenant.name() + " (" + tenant.key() + ")";
        return page("Store connected", "<h1>Store connected</h1><p>" + escape(store) + " is "
                + (saved.created() ? "now connected" : "connected again (its existing connection was updated)")
                + " through profile <b>" + escape(profile) + "</b>.</p>"
                + "<p>Connection id: <code>" + escape(saved.id()) + "</code></p><p>You can close this window.</p>");
    }

    /** A failure page for the browser, naming the reason (status and code are set by the route). */
    public String errorPage(BridgeException failure) {
        boolean ours = failure.getStatus() >= 500;
        String title = ours ? "Something went wrong" : "The store was not connected";
        return page(title, "<h1>" + title + "</h1><p>" + escape(failure.getMessage()) + "</p><p>Reason code: <code>"
                + escape(failure.getCode()) + "</code></p>"
                + (ours ? "<p>To try again, start again from the connect link.</p>" : ""));
    }

    /** A JSON error for API callers: {@code {"error": code, "message": text}}. */
    public Map<String, Object> jsonError(BridgeException failure) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", failure.getCode());
        m.put("message", failure.getMessage());
        return m;
    }

    static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + " - Lightspeed OAuth Bridge</title><style>body{font-family:system-ui,sans-serif;max-width:40em;"
                + "margin:3em auto;line-height:1.5}code{background:#f3f3f3;padding:0 .3em}</style></head><body>"
                + body + "</body></html>";
    }

    /** HTML-escapes a value for text and quoted attributes. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
