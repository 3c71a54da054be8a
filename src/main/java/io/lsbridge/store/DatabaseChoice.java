package io.lsbridge.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to start on the embedded H2 database unless bridge.db.allow-h2 is true (it is in
 * config/application.properties, the sandbox; the prod profile sets it false). Runs as the init of
 * a bean declared before the connection pool and the migrations, so a refused start creates no
 * database file. Names the property to set and how to point the bridge at PostgreSQL.
 */
public class DatabaseChoice {
    private static final Logger LOG = LoggerFactory.getLogger("io.lsbridge.startup");
    private String url;
    private boolean allowH2 = true;
    private boolean sandbox = true;
    private boolean checked;

    /** Idempotent: YAML beans may be initialised twice. */
    public synchronized void check() {
        if (checked || url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            checked = true;
            return;
        }
        // the URL up to its first ';' only: settings after it may carry a user or a password
        String shown = url.indexOf(';') < 0 ? url : url.substring(0, url.indexOf(';')) + ";...";
        if (!allowH2) {
            String refusal = "bridge.db.url is the embedded H2 database (" + shown + ") and this profile "
                    + "does not allow it (bridge.db.allow-h2=false, the prod profile's setting). Point the bridge at "
                    + "PostgreSQL: set BRIDGE_DB_URL=jdbc:postgresql://HOST:5432/DATABASE with BRIDGE_DB_USER and "
                    + "BRIDGE_DB_PASSWORD. Or, for one node only (no shared database, back up the data/ directory "
                    + "yourself), allow H2 explicitly: BRIDGE_DB_ALLOW_H2=true (bridge.db.allow-h2=true).";
            // one clear line before Camel's stack trace of the failed start
            LOG.error("Not starting: {}", refusal);
            throw new IllegalStateException(refusal);
        }
        if (!sandbox) {
            LOG.warn("Database: the embedded H2 database ({}) because bridge.db.allow-h2=true: one node only, "
                    + "PostgreSQL is the production database (BRIDGE_DB_URL)", shown);
        }
        checked = true;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public void setAllowH2(boolean allowH2) {
        this.allowH2 = allowH2;
    }

    public void setSandbox(boolean sandbox) {
        this.sandbox = sandbox;
    }
}
