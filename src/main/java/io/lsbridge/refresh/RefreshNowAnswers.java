package io.lsbridge.refresh;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lsbridge.BridgeException;
import io.lsbridge.ConnectionStore;

/** The answer of {@code POST /connections/{id}/refresh}: the outcome and the connection (never a token). */
public class RefreshNowAnswers {
    private ConnectionStore store;

    /** The connection's operator view, or a 404. */
    public Map<String, Object> view(String id) {
        return store.connectionView(id).orElseThrow(() ->
                new BridgeException(404, "unknown_connection", "There is no connection with that id."));
    }

    public Map<String, Object> body(RefreshOutcome outcome, Map<String, Object> view) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", outcome.name());
        body.put("connection", view);
        return body;
    }

    /** Whole seconds until the connection's next attempt (at least 1), for Retry-After. */
    public String retryAfter(Map<String, Object> view) {
        Object next = view.get("nextAttemptAt");
        if (next == null) {
            return "1";
        }
        return Long.toString(Math.max(1, Instant.parse((String) next).getEpochSecond() - Instant.now().getEpochSecond()));
    }

    public void setStore(ConnectionStore store) {
        this.store = store;
    }
}
