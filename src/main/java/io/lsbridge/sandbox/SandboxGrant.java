package io.lsbridge.sandbox;

/**
 * What one authorization granted. Rotation moves its generations on; its tokens are computed
 * from them ({@link SandboxTokens}). The state is replaced whole, under the grant's lock, after
 * it was written to the sandbox's table.
 */
final class SandboxGrant {
    final long id;
    final String series;
    final String store;
    final String scope;
    /** Issued to a public client (no secret; the code was bound to a PKCE challenge): refreshes need no secret. */
    final boolean publicClient;
    private volatile State state;

    /**
     * @param accessGeneration     the current access token's generation (older ones stay valid until they expire)
     * @param accessExpiresAt      when the current access token expires, epoch millis
     * @param refreshGeneration    the current refresh token's generation (older ones are revoked)
     * @param previousUsableUntil  L-Series: the previous refresh token still works until then (0: it does not)
     * @param refreshLastUsed      when a refresh token of this grant was last issued or used (K: 14 idle days)
     */
    record State(int accessGeneration, long accessExpiresAt, int refreshGeneration, long previousUsableUntil,
                 long refreshLastUsed) {
    }

    SandboxGrant(long id, String series, String store, String scope, boolean publicClient, State state) {
        this.id = id;
        this.series = series;
        this.store = store;
        this.scope = scope;
        this.publicClient = publicClient;
        this.state = state;
    }

    State state() {
        return state;
    }

    void state(State next) {
        this.state = next;
    }
}
