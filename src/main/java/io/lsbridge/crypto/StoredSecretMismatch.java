package io.lsbridge.crypto;

import io.lsbridge.BridgeException;
import io.lsbridge.ConnectionStore;

/**
 * A stored secret that does not open with its own row and field as associated data: its ciphertext
 * was written for another connection (or another field, or another authorization request), or was
 * altered in the database. The key itself is right (its check value matched), so this is about the
 * row, not the configuration. Answered as 500 {@code stored_token_mismatch}; the refresh route
 * turns a refresh token that does not belong into NEEDS_REAUTH with {@link #reason()}.
 */
public class StoredSecretMismatch extends BridgeException {
    private final String reason;

    public StoredSecretMismatch(String field, String rowId, String why) {
        super(500, "stored_token_mismatch", message(field, rowId, why));
        this.reason = "the stored " + label(field) + " does not belong to this connection (" + why
                + "); it was never sent; the store must authorize again";
    }

    /** The words for a connection's status and events: what, and what to do. */
    public String reason() {
        return reason;
    }

    private static String message(String field, String rowId, String why) {
        boolean request = ConnectionStore.VERIFIER.equals(field);
        String remedy;
        if (request) {
            remedy = "Start again from the connect link.";
        } else if (ConnectionStore.ACCESS.equals(field)) {
            remedy = "Refresh the connection (POST /connections/" + rowId + "/refresh renews the access token if the "
                    + "refresh token is intact) or authorize the store again.";
        } else {
            remedy = "Authorize the store again (or restore the row from a backup).";
        }
        return "The stored " + label(field) + (request ? " of this authorization request" : " of connection " + rowId)
                + " does not belong to it (" + why + "). Nothing was sent to Lightspeed. " + remedy;
    }

    static String label(String field) {
        return switch (field) {
            case ConnectionStore.ACCESS -> "access token";
            case ConnectionStore.REFRESH -> "refresh token";
            case ConnectionStore.CANDIDATE -> "rotated refresh token kept after a failed commit";
            case ConnectionStore.VERIFIER -> "PKCE verifier";
            default -> field;
        };
    }
}
