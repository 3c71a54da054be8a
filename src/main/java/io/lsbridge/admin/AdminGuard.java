package io.lsbridge.admin;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.lsbridge.BridgeException;
import io.lsbridge.Secrets;

import org.apache.camel.Header;

/**
 * Who may use the admin page: a person signs in with the bridge's API key and gets a session
 * cookie holding a random id; the session (kept here, in memory, with an idle expiry) carries a
 * CSRF token that every button's form must send back. Values in, values out: the admin routes
 * decide what follows.
 * <p>
 * A cookie rather than HTTP Basic: the key crosses the network once instead of with every request,
 * browsers do not cache it, a session expires and can be signed out of, and SameSite=Strict keeps
 * other sites' pages from riding on it.
 */
public class AdminGuard {
    public static final String COOKIE = "lsbridge_admin";
    private static final Pattern CONNECTION_ID = Pattern.compile("^[0-9a-f-]{36}$");
    private static final Pattern SESSION_ID = Pattern.compile("^[A-Za-z0-9_-]{43}$");

    /** A signed-in person: the cookie's id and the token that the page's forms carry. */
    public record Session(String id, String csrf, long idleUntilMillis) {
        @Override
        public String toString() {
            return "AdminSession[...]";
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private String apiKey;
    private long idleMillis = Duration.ofMinutes(30).toMillis();
    private boolean secureCookie;
    private int maxSessions = 1000;
    private java.util.function.LongSupplier clock = System::currentTimeMillis;

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public void setIdleMinutes(int minutes) {
        this.idleMillis = Duration.ofMinutes(minutes).toMillis();
    }

    public void setMaxSessions(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    /** Browsers reach the bridge at this address: an https one makes the cookie Secure. */
    public void setPublicBaseUrl(String publicBaseUrl) {
        this.secureCookie = publicBaseUrl != null && publicBaseUrl.startsWith("https://");
    }

    /**
     * The sign-in form's POST: {@link #login} with its {@code key} field. Camel puts query parameters into
     * the same headers as form fields (Vert.x and servlet engines alike), so a request whose URL names a
     * {@code key} parameter gets no session: a key in a URL ends up in access logs and browser histories.
     */
    public Session loginFromForm(@Header("key") String key, @Header("CamelHttpQuery") String query) {
        return queryNames(query, "key") ? null : login(key);
    }

    /** Whether the raw query string has a parameter named {@code name} (any case, as Camel's headers). */
    static boolean queryNames(String query, String name) {
        if (query == null || query.isEmpty()) {
            return false;
        }
        for (String pair : query.split("&")) {
            String n = pair.split("=", 2)[0];
            try {
                n = java.net.URLDecoder.decode(n, java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return true;
            }
            if (n.trim().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** A new session for the right key; null for a wrong or missing one (compared in constant time). */
    public Session login(String key) {
        if (key == null || key.isEmpty() || !Secrets.constantTimeEquals(apiKey, key)) {
            return null;
        }
        purgeExpired();
        if (sessions.size() >= maxSessions) {
            // oldest-expiring first: a flood of sign-ins cannot grow the map without bound
            sessions.values().stream().min((a, b) -> Long.compare(a.idleUntilMillis(), b.idleUntilMillis()))
                    .ifPresent(s -> sessions.remove(s.id()));
        }
        Session s = new Session(Secrets.randomToken(32), Secrets.randomToken(32), clock.getAsLong() + idleMillis);
        sessions.put(s.id(), s);
        return s;
    }

    /** The session named by the request's cookie, its idle time renewed; null when there is none or it expired. */
    public Session find(@Header("Cookie") String cookieHeader) {
        return lookup(cookieHeader, true);
    }

    /**
     * For the page's own background reload: the session or a 401, without renewing its idle time,
     * so a tab left open still signs out after the idle time.
     */
    public Session requireWithoutRenewal(@Header("Cookie") String cookieHeader) {
        Session s = lookup(cookieHeader, false);
        if (s == null) {
            throw new BridgeException(401, "not_signed_in", "Sign in with the bridge's API key to use the admin page.");
        }
        return s;
    }

    private Session lookup(String cookieHeader, boolean renew) {
        String id = cookie(cookieHeader);
        if (id == null || !SESSION_ID.matcher(id).matches()) {
            return null;
        }
        Session s = sessions.get(id);
        long now = clock.getAsLong();
        if (s == null || s.idleUntilMillis() < now) {
            if (s != null) {
                sessions.remove(id);
            }
            return null;
        }
        if (!renew) {
            return s;
        }
        Session renewed = new Session(s.id(), s.csrf(), now + idleMillis);
        sessions.put(id, renewed);
        return renewed;
    }

    /** The session, or a 401 (the admin routes answer it with the sign-in form). */
    public Session require(@Header("Cookie") String cookieHeader) {
        Session s = find(cookieHeader);
        if (s == null) {
            throw new BridgeException(401, "not_signed_in", "Sign in with the bridge's API key to use the admin page.");
        }
        return s;
    }

    /** For a button's POST: the session, and the form's CSRF token must be that session's (else 403). */
    public Session requireWithCsrf(@Header("Cookie") String cookieHeader, @Header("csrf") String csrfToken) {
        Session s = require(cookieHeader);
        if (csrfToken == null || !Secrets.constantTimeEquals(s.csrf(), csrfToken)) {
            throw new BridgeException(403, "csrf_check_failed", "The form did not come from this admin page (its CSRF"
                    + " token is missing or stale). Reload the page and try again.");
        }
        return s;
    }

    public void logout(Session session) {
        if (session != null) {
            sessions.remove(session.id());
        }
    }

    /** The Set-Cookie value for a new session: HttpOnly, SameSite=Strict, Secure behind https, admin paths only. */
    public String cookieFor(Session session) {
        return COOKIE + "=" + session.id() + "; Path=/admin; Max-Age=" + idleMillis / 1000 + "; HttpOnly; SameSite=Strict"
                + (secureCookie ? "; Secure" : "");
    }

    /** The Set-Cookie value that removes the session cookie. */
    public String clearedCookie() {
        return COOKIE + "=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookie ? "; Secure" : "");
    }

    /** A connection id from the URL, or a 404 before it goes anywhere. */
    public String connectionId(@Header("id") String id) {
        if (id == null || !CONNECTION_ID.matcher(id).matches()) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        return id;
    }

    /** For tests: the time in milliseconds. */
    void setClock(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    int sessionCount() {
        return sessions.size();
    }

    private void purgeExpired() {
        long now = clock.getAsLong();
        sessions.values().removeIf(s -> s.idleUntilMillis() < now);
    }

    static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=")) {
                return p.substring(COOKIE.length() + 1);
            }
        }
        return null;
    }
}
