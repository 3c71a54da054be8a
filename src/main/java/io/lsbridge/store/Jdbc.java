package io.lsbridge.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

/** Plain JDBC plumbing shared by the store classes: statements, transactions, time columns. */
public final class Jdbc {
    private final DataSource dataSource;
    /** Whether the database speaks PostgreSQL's {@code UPDATE ... RETURNING} (else H2's delta tables); read once. */
    private volatile Boolean postgres;

    public Jdbc(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A query that runs {@code update} (an UPDATE of the connection table) and returns the rows it
     * changed, as they are after it: {@code UPDATE ... RETURNING *} on PostgreSQL, {@code SELECT * FROM
     * FINAL TABLE (UPDATE ...)} on H2. One statement instead of an UPDATE and a SELECT; run it with
     * {@link #queryOne}.
     */
    public String updateReturningRow(String update) {
        return isPostgres() ? update + " RETURNING *" : "SELECT * FROM FINAL TABLE (" + update + ")";
    }

    private boolean isPostgres() {
        Boolean p = postgres;
        if (p == null) {
            try (Connection c = dataSource.getConnection()) {
                p = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
            } catch (SQLException e) {
                throw failure(e);
            }
            postgres = p;
        }
        return p;
    }

    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    public int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection()) {
            return exec(c, sql, args);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) {
        List<T> rows = queryList(sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public <T> List<T> queryList(String sql, RowMapper<T> mapper, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    public static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    /** One line of a connection's audit trail, in the caller's transaction. */
    public static void addEvent(Connection c, String connectionId, String type, String detail) throws SQLException {
        exec(c, "INSERT INTO connection_event (connection_id, occurred_at, event_type, detail) VALUES (?, ?, ?, ?)",
                connectionId, now(), type, detail == null ? null : truncate(detail, 1000));
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone: nothing was committed
        }
    }

    /** Whether the statement broke a unique key (SQLState 23505, on H2 and PostgreSQL alike). */
    public static boolean isUniqueViolation(DatabaseException e) {
        return e.getCause() instanceof SQLException s && "23505".equals(s.getSQLState());
    }

    private static DatabaseException failure(SQLException e) {
        return new DatabaseException("database error: " + e.getMessage(), e);
    }

    public static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    public static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    public static String iso(ResultSet rs, String column) throws SQLException {
        Instant i = instant(rs, column);
        return i == null ? null : i.toString();
    }

    public static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
