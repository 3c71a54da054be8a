package io.lsbridge;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.support.LifecycleStrategySupport;
import org.flywaydb.core.Flyway;

/**
 * Runs the Flyway migrations in {@code locations} before the routes start.
 *
 * <p>{@link #migrate()} migrates on the caller's thread. {@link #migrateInBackground()} (the bridge's start,
 * routes/beans.camel.yaml) checks the database choice at once, then opens the pool and migrates on a thread of
 * its own while Camel loads and builds the routes; as a Camel lifecycle strategy (camel-main registers the bean
 * as one) it waits for that thread when the context has built its routes, before any route starts, and a failed
 * migration fails the start as before.
 */
public class SchemaMigrator extends LifecycleStrategySupport {
    private DataSource dataSource;
    private String locations = "filesystem:config/db/migration";
    private boolean done;
    private io.lsbridge.store.DatabaseChoice databaseChoice;
    private CompletableFuture<Void> background;

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

    /**
     * The database choice now (a refused database fails here, before any connection), the migrations on a
     * thread of their own; {@link #await()} joins it.
     */
    public synchronized void migrateInBackground() {
        if (done || background != null) {
            return;
        }
        if (databaseChoice != null) {
            databaseChoice.check();
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                migrate();
                result.complete(null);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "schema-migration");
        thread.setDaemon(true);
        background = result;
        thread.start();
    }

    /** Waits for {@link #migrateInBackground()}'s migrations; throws what they threw. */
    public void await() {
        CompletableFuture<Void> result;
        synchronized (this) {
            result = background;
        }
        if (result == null) {
            return;
        }
        try {
            result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("database migration failed", cause);
        }
    }

    /** Routes built, none started yet: the schema must be in place from here on. */
    @Override
    public void onContextInitialized(CamelContext context) {
        await();
    }

    /** Again before the routes start, should a runtime skip the call above. */
    @Override
    public void onContextStarting(CamelContext context) {
        await();
    }
}
