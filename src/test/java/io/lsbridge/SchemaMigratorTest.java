package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;

import org.junit.jupiter.api.Test;

/**
 * The start's background migration (routes/beans.camel.yaml: initMethod migrateInBackground): Camel's
 * "routes built" and "starting" callbacks wait for it, and a failed migration fails them.
 */
class SchemaMigratorTest {

    @Test
    void theRoutesBuiltCallbackWaitsForTheMigrationsAndTheSchemaIsThereAfterIt() throws Exception {
        try (HikariDataSource ds = memory()) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            SchemaMigrator migrator = new SchemaMigrator();
            // the first connection (the migration's) waits until the test lets it go
            migrator.setDataSource(new javax.sql.DataSource() {
                private final AtomicBoolean first = new AtomicBoolean(true);

                public Connection getConnection() throws java.sql.SQLException {
                    if (first.getAndSet(false)) {
                        holding.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new java.sql.SQLException(e);
                        }
                    }
                    return ds.getConnection();
                }

                public Connection getConnection(String u, String p) {
                    throw new UnsupportedOperationException();
                }

                public java.io.PrintWriter getLogWriter() {
                    return null;
                }

                public void setLogWriter(java.io.PrintWriter out) {
                }

                public void setLoginTimeout(int seconds) {
                }

                public int getLoginTimeout() {
                    return 0;
                }

                public java.util.logging.Logger getParentLogger() {
                    return null;
                }

                public <T> T unwrap(Class<T> iface) {
                    throw new UnsupportedOperationException();
                }

                public boolean isWrapperFor(Class<?> iface) {
                    return false;
                }
            });
            migrator.migrateInBackground();
            assertTrue(holding.await(30, TimeUnit.SECONDS), "the migration runs on its own thread");

            AtomicBoolean returned = new AtomicBoolean();
            Thread camel = new Thread(() -> {
                migrator.onContextInitialized(null);
                returned.set(true);
            });
            camel.start();
            camel.join(1000);
            assertFalse(returned.get(), "routes built: waits while the migration runs");

            release.countDown();
            camel.join(60_000);
            assertTrue(returned.get(), "returns once the migration is done");
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select count(*) from \"flyway_schema_history\" where \"success\"")) {
                assertTrue(rs.next());
                assertTrue(rs.getInt(1) > 0, "migrations applied");
            }
            migrator.onContextStarting(null); // again: returns at once
        }
    }

    @Test
    void aFailedMigrationFailsTheStartWhenTheRoutesAreBuilt() {
        try (HikariDataSource ds = memory()) {
            SchemaMigrator migrator = new SchemaMigrator();
            migrator.setDataSource(ds);
            // a migration that cannot apply: the table it creates exists already, with other columns
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("create table connection (x int)");
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            migrator.migrateInBackground();
            RuntimeException e = assertThrows(RuntimeException.class, () -> migrator.onContextInitialized(null));
            assertTrue(e.getClass().getName().startsWith("org.flywaydb"), e::toString);
            assertThrows(RuntimeException.class, () -> migrator.onContextStarting(null), "and again before starting");
        }
    }

    @Test
    void withoutABackgroundMigrationTheCallbacksReturnAtOnce() {
        SchemaMigrator migrator = new SchemaMigrator();
        migrator.onContextInitialized(null);
        migrator.onContextStarting(null);
        assertEquals(SchemaMigrator.class, migrator.getClass());
    }

    private static HikariDataSource memory() {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl("jdbc:h2:mem:migrator-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUsername("sa");
        ds.setPassword("");
        ds.setMaximumPoolSize(2);
        return ds;
    }
}
