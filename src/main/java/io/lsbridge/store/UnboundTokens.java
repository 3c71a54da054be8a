package io.lsbridge.store;

import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import io.lsbridge.ConnectionStore;
import io.lsbridge.TokenCipher;

/**
 * Binds secrets stored by an older version (encrypted for their field only) to their row: each
 * connection that still holds one gets its access and refresh tokens (and a kept candidate)
 * encrypted again with the current key, bound to its id; each pending authorization request its
 * verifier, bound to its state hash. Called once at startup by routes/startup.camel.yaml; any write
 * of a row binds it too. Safe beside live traffic and other nodes: a row under a refresh lease is
 * left to its commit, and every UPDATE lands only if the row still holds the values that were read.
 * A value that cannot be read (bridge.encryption.read-unbound false, a missing key) is left as it is.
 */
public class UnboundTokens {
    private Jdbc jdbc;
    private TokenCipher cipher;

    /** What one run did; its text is the startup log line. */
    public record Result(int connections, int requests, int unreadable) {
        @Override
        public String toString() {
            return "bound " + connections + " connection(s) and " + requests + " pending authorization request(s) "
                    + "written by an older version to their rows" + (unreadable == 0 ? ""
                    : "; " + unreadable + " could not be read and were left as they are (see bridge.encryption.read-unbound "
                    + "and BRIDGE_ENCRYPTION_RETIRED_KEYS)");
        }
    }

    private record Row(String id, String keyId, String access, String refresh, String candidate) {
    }

    public Result bindAll() {
        int connections = 0;
        int requests = 0;
        int unreadable = 0;
        List<Row> rows = jdbc.queryList("SELECT id, key_id, access_token_enc, refresh_token_enc, candidate_refresh_enc"
                        + " FROM connection WHERE access_token_enc NOT LIKE 'v2.%' OR refresh_token_enc NOT LIKE 'v2.%'"
                        + " OR candidate_refresh_enc NOT LIKE '%:v2.%'",
                rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
        for (Row row : rows) {
            try {
                connections += bind(row) ? 1 : 0;
            } catch (RuntimeException cannotRead) {
                unreadable++;
            }
        }
        List<String[]> pending = jdbc.queryList("SELECT state_hash, key_id, verifier_enc FROM authorization_request"
                        + " WHERE verifier_enc NOT LIKE 'v2.%' AND used_at IS NULL AND expires_at > ?",
                rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, Jdbc.now());
        for (String[] r : pending) {
            try {
                String verifier = cipher.decrypt(r[1], r[2], ConnectionStore.VERIFIER, r[0]);
                requests += jdbc.update("UPDATE authorization_request SET verifier_enc = ?, key_id = ? WHERE state_hash = ?"
                                + " AND verifier_enc = ?", cipher.encrypt(verifier, ConnectionStore.VERIFIER, r[0]),
                        cipher.currentKeyId(), r[0], r[2]);
            } catch (RuntimeException cannotRead) {
                unreadable++;
            }
        }
        return new Result(connections, requests, unreadable);
    }

    /** The row's secrets again, with the current key (the row has one key id for both tokens), bound to it. */
    private boolean bind(Row row) {
        String access = cipher.decrypt(row.keyId(), row.access(), ConnectionStore.ACCESS, row.id());
        String refresh = cipher.decrypt(row.keyId(), row.refresh(), ConnectionStore.REFRESH, row.id());
        String candidate = null;
        if (row.candidate() != null) {
            int colon = row.candidate().indexOf(':');
            candidate = cipher.decrypt(row.candidate().substring(0, colon), row.candidate().substring(colon + 1),
                    ConnectionStore.CANDIDATE, row.id());
        }
        String keyId = cipher.currentKeyId();
        return jdbc.update("UPDATE connection SET access_token_enc = ?, refresh_token_enc = ?, key_id = ?,"
                        + " candidate_refresh_enc = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ?)"
                        + " AND access_token_enc IS NOT DISTINCT FROM ? AND refresh_token_enc IS NOT DISTINCT FROM ?"
                        + " AND candidate_refresh_enc IS NOT DISTINCT FROM ?",
                cipher.encrypt(access, ConnectionStore.ACCESS, row.id()), cipher.encrypt(refresh, ConnectionStore.REFRESH, row.id()),
                keyId, candidate == null ? null : keyId + ":" + cipher.encrypt(candidate, ConnectionStore.CANDIDATE, row.id()),
                row.id(), Jdbc.ts(Instant.now()), row.access(), row.refresh(), row.candidate()) == 1;
    }

    public void setDataSource(DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource);
    }

    public void setCipher(TokenCipher cipher) {
        this.cipher = cipher;
    }
}
