package io.lsbridge.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

import io.lsbridge.ConnectionStore;
import io.lsbridge.TokenCipher;

/**
 * The authorization_request table: one row per pending authorization (hash of the state, PKCE
 * verifier encrypted). Expired rows are deleted by the housekeeping route with a plain SQL step.
 */
public class AuthorizationRequests {
    private final Jdbc jdbc;
    private final TokenCipher cipher;

    public AuthorizationRequests(Jdbc jdbc, TokenCipher cipher) {
        this.jdbc = jdbc;
        this.cipher = cipher;
    }

    public void save(String stateHash, String profile, String bindingHash, String verifier, Instant expiresAt) {
        jdbc.update("INSERT INTO authorization_request (state_hash, profile, browser_binding_hash, verifier_enc, key_id,"
                        + " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                stateHash, profile, bindingHash, cipher.encrypt(verifier, ConnectionStore.VERIFIER, stateHash),
                verifier == null ? null : cipher.currentKeyId(), Jdbc.now(), Jdbc.ts(expiresAt));
    }

    public Optional<ConnectionStore.AuthorizationRequest> find(String stateHash) {
        return jdbc.queryOne("SELECT * FROM authorization_request WHERE state_hash = ?",
                rs -> new ConnectionStore.AuthorizationRequest(rs.getString("state_hash"), rs.getString("profile"),
                        rs.getString("browser_binding_hash"),
                        cipher.decrypt(rs.getString("key_id"), rs.getString("verifier_enc"), ConnectionStore.VERIFIER,
                                rs.getString("state_hash")),
                        Jdbc.instant(rs, "expires_at"), Jdbc.instant(rs, "used_at")), stateHash);
    }

    /** Marks the request used; false when another request consumed it first or it has expired. */
    public boolean consume(String stateHash) {
        OffsetDateTime now = Jdbc.now();
        return jdbc.update("UPDATE authorization_request SET used_at = ? WHERE state_hash = ? AND used_at IS NULL"
                + " AND expires_at > ?", now, stateHash, now) == 1;
    }
}
