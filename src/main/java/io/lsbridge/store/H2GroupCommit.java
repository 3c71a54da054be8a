package io.lsbridge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

/**
 * Group commit for the embedded H2 database: a write through {@link Jdbc} counts as done only once
 * a {@code CHECKPOINT} that began after its transaction ended has written it to the file, and one
 * checkpoint serves every write that ended before it began. H2's own {@code WRITE_DELAY=0} writes
 * one chunk per transaction end instead, one at a time under the store's lock (two per refresh: the
 * lease and the commit). Off, or on PostgreSQL or an in-memory H2 database, this does nothing.
 * Wired in routes/beans.camel.yaml ({@code bridge.db.h2-group-commit}).
 */
public final class H2GroupCommit {
    private static final Map<DataSource, H2GroupCommit> ACTIVE = new ConcurrentHashMap<>();

    private DataSource dataSource;
    private boolean enabled = true;
    /** Tickets handed to writes whose transaction has ended, and the highest one a checkpoint has covered. */
    private final AtomicLong ended = new AtomicLong();
    private final ReentrantLock writing = new ReentrantLock();
    private long written;
    private final AtomicLong checkpoints = new AtomicLong();

    /** Called after a write's transaction on {@code dataSource} ended (its connection given back): returns once it is in the file. */
    static void durable(DataSource dataSource) {
        H2GroupCommit group = ACTIVE.get(dataSource);
        if (group != null) {
            group.awaitCheckpoint();
        }
    }

    private void awaitCheckpoint() {
        long mine = ended.incrementAndGet();
        writing.lock();
        try {
            if (written >= mine) {
                return;   // a checkpoint that began after this write ended has finished
            }
            long upTo = ended.get();
            checkpoint();
            written = upTo;
        } finally {
            writing.unlock();
        }
    }

    private void checkpoint() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
            checkpoints.incrementAndGet();
        } catch (SQLException e) {
            throw new DatabaseException("database error: the write is committed but could not be written to the file: "
                    + e.getMessage(), e);
        }
    }

    /** Starts group commit for an H2 file database (checking now that the user may run CHECKPOINT). */
    public void start() {
        if (!enabled) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName();
            String url = c.getMetaData().getURL();
            if (!"H2".equalsIgnoreCase(product) || url == null || url.startsWith("jdbc:h2:mem:")) {
                return;
            }
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("bridge.db.h2-group-commit: CHECKPOINT refused (" + e.getMessage() + "); use an"
                    + " H2 admin user, or set it false and put WRITE_DELAY=0 in bridge.db.url", e);
        }
        ACTIVE.put(dataSource, this);
    }

    public void stop() {
        ACTIVE.remove(dataSource, this);
    }

    /** Checkpoints run so far (each one wrote every write that had ended before it began). */
    public long checkpoints() {
        return checkpoints.get();
    }

    /** Writes that waited for a checkpoint so far. */
    public long writes() {
        return ended.get();
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }
}
