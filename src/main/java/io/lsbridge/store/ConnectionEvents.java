package io.lsbridge.store;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The connection_event table: the audit trail of each connection, never a secret. */
public class ConnectionEvents {
    private final Jdbc jdbc;

    public ConnectionEvents(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public void add(String connectionId, String type, String detail) {
        jdbc.inTransaction(c -> {
            Jdbc.addEvent(c, connectionId, type, detail);
            return null;
        });
    }

    /** The newest {@code limit} events of a connection, newest first. */
    public List<Map<String, Object>> recent(String connectionId, int limit) {
        return jdbc.queryList("SELECT occurred_at, event_type, detail FROM connection_event WHERE connection_id = ?"
                + " ORDER BY id DESC LIMIT ?", rs -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("at", Jdbc.iso(rs, "occurred_at"));
                    m.put("type", rs.getString("event_type"));
                    m.put("detail", rs.getString("detail"));
                    return m;
                }, connectionId, limit);
    }
}
