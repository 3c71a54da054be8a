package io.lsbridge;

import java.util.Properties;

import com.zaxxer.hikari.HikariDataSource;

/**
 * A database a test gives the bridge: an H2 file (the default) or a fresh PostgreSQL database
 * ({@link PostgresTestServer}). {@code -Dbridge.test.database=postgres} puts every test that asks for
 * the default on PostgreSQL instead (e.g. {@code mvn test -Dbridge.test.database=postgres -Dtest=...}).
 */
public record TestDatabase(String url, String user, String password) {

    /** An H2 file database (with its TCP server, so a second process may share it: a test setup). */
    public static TestDatabase h2File(String file) {
        return new TestDatabase("jdbc:h2:file:./" + file + ";AUTO_SERVER=TRUE", "sa", "sa");
    }

    /** A fresh, empty PostgreSQL database named after the test, owned by a user that is not a superuser. */
    public static TestDatabase postgres(String name) {
        return PostgresTestServer.get().newDatabase(name);
    }

    /** H2 at {@code file}, or PostgreSQL when the run asks for it ({@code -Dbridge.test.database=postgres}). */
    public static TestDatabase byDefault(String name, String file) {
        return "postgres".equalsIgnoreCase(System.getProperty("bridge.test.database", "h2")) ? postgres(name) : h2File(file);
    }

    public boolean isPostgres() {
        return url.startsWith("jdbc:postgresql:");
    }

    /** bridge.db.url, .user and .password pointing at this database. */
    public Properties bridgeProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.db.url", url);
        p.setProperty("bridge.db.user", user);
        p.setProperty("bridge.db.password", password);
        return p;
    }

    /** A small pool of this test's own to the same database. */
    public HikariDataSource open(int poolSize) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername(user);
        ds.setPassword(password);
        ds.setMaximumPoolSize(poolSize);
        return ds;
    }

    @Override
    public String toString() {
        return "TestDatabase[" + url + "]";
    }
}
