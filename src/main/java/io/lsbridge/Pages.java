package io.lsbridge;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;

/** The small HTML pages a retailer's browser sees, and the JSON errors operators see. */
public class Pages {

    public String connected(String profile, TenantDiscovery.Tenant tenant, ConnectionStore.Saved saved) {
        String store = tenant.name() == null ? tenant.key() : tenant.name() + " (" + tenant.key() + ")";
        return page("Store connected", "<h1>Store connected</h1><p>" + escape(store) + " is "
                + (saved.created() ? "now connected" : "connected again (its existing connection was updated)")
                + " through profile <b>" + escape(profile) + "</b>.</p>"
                + "<p>Connection id: <code>" + escape(saved.id()) + "</code></p><p>You can close this window.</p>");
    }

    /** A failure page for the browser; status and reason come from the exception. */
    public String error(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        BridgeException e = asBridgeException(t);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, e.getStatus());
        String title = e.getStatus() >= 500 ? "Something went wrong" : "The store was not connected";
        return page(title, "<h1>" + title + "</h1><p>" + escape(e.getMessage()) + "</p><p>Reason code: <code>"
                + escape(e.getCode()) + "</code></p>");
    }

    /** A JSON error for API callers; sets the status. */
    public Map<String, Object> jsonError(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        BridgeException e = asBridgeException(t);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, e.getStatus());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", e.getCode());
        m.put("message", e.getMessage());
        return m;
    }

    static BridgeException asBridgeException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BridgeException be) {
                return be;
            }
            if (c instanceof TokenEndpoint.TokenCallFailed tf) {
                return tokenFailure(tf);
            }
        }
        return new BridgeException(500, "internal_error", "The bridge failed unexpectedly; the operator's log has details.");
    }

    private static BridgeException tokenFailure(TokenEndpoint.TokenCallFailed tf) {
        if (tf.getError() != null && tf.needsReauthorization()) {
            return new BridgeException(400, tf.getError(), "Lightspeed refused the authorization code (" + tf.getError()
                    + "): it was already used, has expired, or was issued for another redirect address. "
                    + "Start again from the connect link.");
        }
        if (tf.getStatus() == 429) {
            return new BridgeException(503, "token_endpoint_busy", "Lightspeed's token service is rate-limiting "
                    + "this app; the code was not retried. Start again in a minute.");
        }
        return new BridgeException(502, "token_exchange_failed", "Lightspeed's token service did not give tokens ("
                + tf.getMessage() + "); the code is not retried. Start again from the connect link.");
    }

    static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + " - Lightspeed OAuth Bridge</title><style>body{font-family:system-ui,sans-serif;max-width:40em;"
                + "margin:3em auto;line-height:1.5}code{background:#f3f3f3;padding:0 .3em}</style></head><body>"
                + body + "</body></html>";
    }

    static String escape(String s) {
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
