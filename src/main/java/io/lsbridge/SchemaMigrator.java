package io.lsbridge;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/** Runs the Flyway migrations in {@code locations} before the routes start. */
public class SchemaMigrator {
    private DataSource dataSource;
    private String locations = "filesystem:config/db/migration";
    private boolean done;
    private io.lsbridge.store.DatabaseChoice databaseChoice;

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setLocations(String locations) {
        this.locations = locations;
    }

    /** Decided before the first connection: a refused database is never created nor migrated. */
    public void setDatabaseChoice(io.lsbridge.store.DatabaseChoice databaseChoice) {
        this.databaseChoice = databaseChoice;
    }

    /** Idempotent: YAML beans can be initialised twice, and Flyway answers "up to date" anyway. */
    public synchronized void migrate() {
        if (done) {
            return;
        }
        if (databaseChoice != null) {
            databaseChoice.check();
        }
        Flyway.configure().dataSource(dataSource).locations(locations.split(",")).load().migrate();
        done = true;
    }
}
