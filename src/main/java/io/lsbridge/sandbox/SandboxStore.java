package io.lsbridge.sandbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.lsbridge.Secrets;

import org.flywaydb.core.Flyway;

/**
 * The sandbox's memory, written through to its own tables (schema {@code sandbox}, migrated by
 * its own Flyway from {@code config/db/sandbox}) before any answer leaves, so a restarted
 * sandbox-mode bridge keeps its connected stores working. Reads come from memory; each token
 * call writes one row.
 */
public class SandboxStore {
    /** A code waiting for its exchange; kept under its SHA-256, never in plain text. */
    record Code(String series, String store, String redirectUri, String scope, String challenge, long expiresAt) {
    }

    private DataSource dataSource;
    private String locations = "filesystem:config/db/sandbox";
    private boolean started;
    private SandboxTokens tokens;
    private final Map<Long, SandboxGrant> grants = new ConcurrentHashMap<>();
    private final Map<String, Code> codes = new ConcurrentHashMap<>();

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setLocations(String locations) {
        this.locations = locations;
    }

    /** Migrates the sandbox's schema and loads its grants and pending codes. Idempotent (YAML beans start twice). */
    public synchronized void start() throws SQLException {
        if (started) {
            return;
        }
        boolean upperCase;
        try (Connection c = dataSource.getConnection()) {
            upperCase = c.getMetaData().storesUpperCaseIdentifiers();
        }
        // Flyway quotes the schema name: spell it as the database stores the unquoted "sandbox"
        Flyway.configure().dataSource(dataSource).schemas(upperCase ? "SANDBOX" : "sandbox")
                .locations(locations.split(",")).load().migrate();
        try (Connection c = dataSource.getConnection()) {
            tokens = new SandboxTokens(signingKey(c));
            load(c);
        }
        started = true;
    }

    SandboxTokens tokens() {
        return tokens;
    }

    SandboxGrant grant(long id) {
        return grants.get(id);
    }

    int grantCount() {
        return grants.size();
    }

    int codeCount() {
        return codes.size();
    }

    /** Stores new grants (one batch), then makes them known. */
    void addGrants(Collection<SandboxGrant> added) {
        String sql = "INSERT INTO sandbox.grants (id, series, store, scope, public_client, access_generation, access_expires_at,"
                + " refresh_generation, previous_usable_until, refresh_last_used, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(false);
            long now = System.currentTimeMillis();
            for (SandboxGrant g : added) {
                SandboxGrant.State s = g.state();
                ps.setLong(1, g.id);
                ps.setString(2, g.series);
                ps.setString(3, g.store);
                ps.setString(4, g.scope);
                ps.setBoolean(5, g.publicClient);
                ps.setInt(6, s.accessGeneration());
                ps.setLong(7, s.accessExpiresAt());
                ps.setInt(8, s.refreshGeneration());
                ps.setLong(9, s.previousUsableUntil());
                ps.setLong(10, s.refreshLastUsed());
                ps.setLong(11, now);
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("sandbox could not store its grants", e);
        }
        added.forEach(g -> grants.put(g.id, g));
    }

    /** Writes a grant's next state, then makes it current. The caller holds the grant's lock. */
    void update(SandboxGrant g, SandboxGrant.State next) {
        String sql = "UPDATE sandbox.grants SET access_generation = ?, access_expires_at = ?, refresh_generation = ?,"
                + " previous_usable_until = ?, refresh_last_used = ? WHERE id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, next.accessGeneration());
            ps.setLong(2, next.accessExpiresAt());
            ps.setInt(3, next.refreshGeneration());
            ps.setLong(4, next.previousUsableUntil());
            ps.setLong(5, next.refreshLastUsed());
            ps.setLong(6, g.id);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("sandbox grant row missing");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("sandbox could not store a grant", e);
        }
        g.state(next);
    }

    void addCode(String code, Code value) {
        String hash = Secrets.sha256Hex(code);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO sandbox.codes"
                + " (code_hash, series, store, redirect_uri, scope, challenge, expires_at) VALUES (?,?,?,?,?,?,?)")) {
            ps.setString(1, hash);
            ps.setString(2, value.series());
            ps.setString(3, value.store());
            ps.setString(4, value.redirectUri());
            ps.setString(5, value.scope());
            ps.setString(6, value.challenge());
            ps.setLong(7, value.expiresAt());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("sandbox could not store a code", e);
        }
        codes.put(hash, value);
        if (codes.size() > 1000) {
            forgetExpiredCodes();
        }
    }

    /** Codes nobody exchanged in time: out of memory and out of the table. */
    private void forgetExpiredCodes() {
        long now = System.currentTimeMillis();
        codes.values().removeIf(code -> code.expiresAt() < now);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM sandbox.codes WHERE expires_at < ?")) {
            ps.setLong(1, now);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("sandbox could not forget expired codes", e);
        }
    }

    /** Takes a code out for good (single use); null when unknown or already taken. */
    Code takeCode(String code) {
        String hash = Secrets.sha256Hex(code);
        Code value = codes.remove(hash);
        if (value != null) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("DELETE FROM sandbox.codes WHERE code_hash = ?")) {
                ps.setString(1, hash);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("sandbox could not use up a code", e);
            }
        }
        return value;
    }

    private byte[] signingKey(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT secret FROM sandbox.signing_key WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                return Base64.getDecoder().decode(rs.getString(1));
            }
        }
        byte[] key = Secrets.randomBytes(32);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO sandbox.signing_key (id, secret) VALUES (1, ?)")) {
            ps.setString(1, Base64.getEncoder().encodeToString(key));
            ps.executeUpdate();
        }
        return key;
    }

    private void load(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, series, store, scope, public_client, access_generation,"
                + " access_expires_at, refresh_generation, previous_usable_until, refresh_last_used FROM sandbox.grants");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                SandboxGrant.State s = new SandboxGrant.State(rs.getInt(6), rs.getLong(7), rs.getInt(8), rs.getLong(9),
                        rs.getLong(10));
                grants.put(rs.getLong(1), new SandboxGrant(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getBoolean(5), s));
            }
        }
        forgetExpiredCodes();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT code_hash, series, store, redirect_uri, scope, challenge, expires_at FROM sandbox.codes");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                codes.put(rs.getString(1), new Code(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getLong(7)));
            }
        }
    }
}
