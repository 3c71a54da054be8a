package io.lsbridge.admin;

import static io.lsbridge.admin.Html.col;
import static io.lsbridge.admin.Html.esc;
import static io.lsbridge.admin.Html.text;
import static io.lsbridge.admin.Html.when;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.lsbridge.BridgeException;
import io.lsbridge.ProviderProfile;

import org.apache.camel.Header;

/**
 * The admin page's HTML, server-rendered: rows come from the admin routes' SQL queries, every value
 * is escaped, no token is ever selected or shown. The buttons are POST forms carrying the session's
 * CSRF token; the script (see {@link AdminAssets}) only confirms "forget" and reloads the rows.
 */
public class AdminPages {
    private int autoRefreshSeconds = 5;

    public void setAutoRefreshSeconds(int autoRefreshSeconds) {
        this.autoRefreshSeconds = autoRefreshSeconds;
    }

    /** The sign-in form; {@code reason} says why it is shown again (wrong_key, signed_out, not_signed_in). */
    public String signIn(String reason) {
        String note = switch (reason == null ? "" : reason) {
            case "wrong_key" -> "<p class=\"notice error\" role=\"alert\">That is not this bridge's API key.</p>";
            case "signed_out" -> "<p class=\"notice\" role=\"status\">Signed out.</p>";
            case "not_signed_in" -> "<p class=\"notice\" role=\"status\">Sign in to continue (sessions end after a while"
                    + " without use).</p>";
            default -> "";
        };
        return page("Sign in", "<h1>Lightspeed OAuth Bridge admin</h1>" + note
                + "<form class=\"signin\" method=\"post\" action=\"/admin/login\">"
                + "<label>API key <input type=\"password\" name=\"key\" id=\"key\" autocomplete=\"current-password\""
                + " required autofocus></label> <button type=\"submit\" id=\"sign-in\">Sign in</button></form>"
                + "<p class=\"hint\">The key is the bridge's operator API key (<code>BRIDGE_API_KEY</code>).</p>");
    }

    /** The connections page: notice, list, "Connect a store" links. */
    /** The line above the list after a button: from the redirect's query (?refreshed=OUTCOME or ?forgotten=1). */
    public String notice(@Header("refreshed") String refreshed, @Header("forgotten") String forgotten) {
        if (refreshed != null && refreshed.matches("[A-Z_]{1,40}")) {
            return "Refresh now: " + refreshed;
        }
        return forgotten != null ? "Connection forgotten; its tokens are erased." : "";
    }

    public String home(List<Map<String, Object>> rows, AdminGuard.Session session, Collection<ProviderProfile> profiles,
                       String notice) {
        StringBuilder b = new StringBuilder();
        b.append(header(session));
        if (notice != null && !notice.isEmpty()) {
            b.append("<p class=\"notice\" role=\"status\" id=\"notice\">").append(esc(notice)).append("</p>");
        }
        b.append("<section><h2>Connections</h2><table id=\"connections\" data-rows=\"/admin/rows\" data-every=\"")
                .append(autoRefreshSeconds).append("\"><thead><tr><th>Profile</th><th>Store</th><th>Status</th>"
                        + "<th>Access token expires</th><th>Last refresh</th><th>Refreshes</th><th>Failures</th>"
                        + "<th>Last error</th><th>Actions</th></tr></thead><tbody id=\"rows\">")
                .append(rows(rows, session)).append("</tbody></table>"
                        + "<p class=\"hint\">The list reloads every ").append(autoRefreshSeconds)
                .append(" s. <span id=\"updated\"></span></p></section>");
        b.append("<section><h2>Connect a store</h2><ul class=\"profiles\">");
        for (ProviderProfile p : profiles) {
            if (p.usable()) {
                b.append("<li><a class=\"connect\" id=\"connect-").append(esc(p.name())).append("\" href=\"/connect/")
                        .append(esc(p.name())).append("\">Connect a store: ").append(esc(p.name())).append("</a> <small>")
                        .append(esc(p.series())).append("-Series</small></li>");
            } else {
                b.append("<li class=\"unusable\">").append(esc(p.name()))
                        .append(": not usable (the startup log says which setting is missing)</li>");
            }
        }
        b.append("</ul><p class=\"hint\">A connect link opens the provider's consent page; the store appears in the list"
                + " once it is granted.</p></section>");
        return page("Connections", b.toString());
    }

    /** The table rows alone: the page's script fetches them every few seconds. */
    public String rows(List<Map<String, Object>> rows, AdminGuard.Session session) {
        if (rows == null || rows.isEmpty()) {
            return "<tr class=\"empty\"><td colspan=\"9\">No connections yet: connect a store below.</td></tr>";
        }
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> r : rows) {
            String id = text(r, "id");
            String status = text(r, "status");
            String profile = text(r, "profile");
            String tenant = text(r, "tenant_key");
            String name = text(r, "tenant_name");
            b.append("<tr class=\"status-").append(esc(status)).append("\" data-id=\"").append(esc(id))
                    .append("\" data-tenant=\"").append(esc(tenant)).append("\">")
                    .append("<td>").append(esc(profile)).append("</td>")
                    .append("<td><a href=\"/admin/connections/").append(esc(id)).append("\">")
                    .append(esc(name == null ? tenant : name + " (" + tenant + ")")).append("</a></td>")
                    .append("<td class=\"status\">").append(esc(status));
            if ("NEEDS_REAUTH".equals(status)) {
                b.append(" <a class=\"reconnect\" href=\"/connect/").append(esc(profile)).append("\">reconnect</a>");
            }
            b.append("</td><td>").append(esc(when(col(r, "access_expires_at"))))
                    .append("</td><td>").append(esc(when(col(r, "last_refresh_at"))))
                    .append("</td><td class=\"refresh-count\">").append(esc(col(r, "refresh_count")))
                    .append("</td><td>").append(esc(col(r, "failure_count")))
                    .append("</td><td class=\"last-error\">").append(esc(col(r, "last_error")))
                    .append("</td><td class=\"actions\">").append(buttons(id, profile + " " + tenant, session))
                    .append("</td></tr>");
        }
        return b.toString();
    }

    /** One connection with its events (kept after the connection is forgotten). */
    public String connection(String id, Map<String, Object> row, List<Map<String, Object>> events, AdminGuard.Session session) {
        if (row == null && (events == null || events.isEmpty())) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        StringBuilder b = new StringBuilder(header(session));
        b.append("<p><a href=\"/admin\">&larr; All connections</a></p>");
        if (row == null) {
            b.append("<h2>Connection ").append(esc(id)).append("</h2><p class=\"notice\">This connection was forgotten;"
                    + " its events remain.</p>");
        } else {
            b.append("<h2>").append(esc(text(row, "profile"))).append(" &middot; ").append(esc(text(row, "tenant_key")))
                    .append("</h2><dl class=\"connection status-").append(esc(text(row, "status"))).append("\">");
            String[][] fields = {{"Connection id", "id"}, {"Store name", "tenant_name"}, {"Kind", "kind"},
                    {"Status", "status"}, {"Scope", "scope"}, {"Access token expires", "access_expires_at"},
                    {"Last refresh", "last_refresh_at"}, {"Refreshes", "refresh_count"}, {"Failures", "failure_count"},
                    {"Next attempt", "next_attempt_at"}, {"Last error", "last_error"}, {"Connected", "created_at"}};
            for (String[] f : fields) {
                Object v = col(row, f[1]);
                b.append("<dt>").append(f[0]).append("</dt><dd>").append(esc(f[1].endsWith("_at") ? when(v) : v)).append("</dd>");
            }
            b.append("</dl><div class=\"actions\">")
                    .append(buttons(id, text(row, "profile") + " " + text(row, "tenant_key"), session)).append("</div>");
        }
        b.append("<h3>Events</h3><table class=\"events\"><thead><tr><th>At</th><th>Event</th><th>Detail</th></tr></thead><tbody>");
        for (Map<String, Object> e : events == null ? List.<Map<String, Object>>of() : events) {
            b.append("<tr><td>").append(esc(when(col(e, "occurred_at")))).append("</td><td>").append(esc(col(e, "event_type")))
                    .append("</td><td>").append(esc(col(e, "detail"))).append("</td></tr>");
        }
        return page("Connection", b.append("</tbody></table>").toString());
    }

    /** After "forget" found nothing to delete. */
    public String gone() {
        return page("Not found", "<h1>Not found</h1><p>There is no connection with that id (already forgotten?).</p>"
                + "<p><a href=\"/admin\">Back to the admin page</a></p>");
    }

    /** What "refresh now" answered, as a name for the notice: the outcome enum, or a map's "outcome". */
    public String outcome(Object body) {
        Object o = body instanceof Map<?, ?> m ? m.get("outcome") : body;
        String s = o instanceof Enum<?> e ? e.name() : String.valueOf(o);
        return s.matches("[A-Z_]{1,40}") ? s : "DONE";
    }

    /** The HTTP status for a failure: a BridgeException's own, else 500. */
    public int status(Throwable failure) {
        return failure instanceof BridgeException e ? e.getStatus() : 500;
    }

    /** A failure as a page: not signed in shows the sign-in form; the rest name the reason. */
    public String error(Throwable failure) {
        if (failure instanceof BridgeException e && e.getStatus() == 401) {
            return signIn("not_signed_in");
        }
        String message = failure instanceof BridgeException e ? e.getMessage()
                : "The admin page failed unexpectedly; the operator's log has details.";
        String code = failure instanceof BridgeException e ? e.getCode() : "internal_error";
        return page("Not done", "<h1>Not done</h1><p>" + esc(message) + "</p><p>Reason code: <code>" + esc(code)
                + "</code></p><p><a href=\"/admin\">Back to the admin page</a></p>");
    }

    private static String header(AdminGuard.Session session) {
        return "<header><h1>Lightspeed OAuth Bridge admin</h1><form method=\"post\" action=\"/admin/logout\">"
                + csrf(session) + "<button type=\"submit\" id=\"sign-out\">Sign out</button></form></header>";
    }

    private static String buttons(String id, String name, AdminGuard.Session session) {
        return "<form method=\"post\" action=\"/admin/connections/" + esc(id) + "/refresh\">" + csrf(session)
                + "<button type=\"submit\" class=\"refresh\">Refresh now</button></form>"
                + "<form method=\"post\" class=\"forget\" data-name=\"" + esc(name) + "\" action=\"/admin/connections/"
                + esc(id) + "/forget\">" + csrf(session) + "<button type=\"submit\" class=\"forget\">Forget</button></form>";
    }

    private static String csrf(AdminGuard.Session session) {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(session.csrf()) + "\">";
    }

    static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\""
                + " content=\"width=device-width, initial-scale=1\"><title>" + esc(title) + " - Lightspeed OAuth Bridge admin"
                + "</title><link rel=\"stylesheet\" href=\"/admin/assets/admin.css\"><script src=\"/admin/assets/admin.js\""
                + " defer></script></head><body>" + body + "</body></html>";
    }
}
