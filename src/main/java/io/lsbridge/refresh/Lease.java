package io.lsbridge.refresh;

import java.time.Instant;

import io.lsbridge.ProviderProfile;

/**
 * The answer of {@link RefreshLeases#take}: either a refusal (the outcome to answer at once) or a
 * granted lease with the row's tokens decrypted, in memory only. {@code refreshTokenEnc} is what the
 * commit compares against; {@code candidateRefreshToken} is a rotated token kept after a failed commit.
 * {@code storedTokenProblem} (null when none) says why the stored refresh token cannot be used: it
 * was encrypted for another connection or field (or altered), so it is never sent.
 */
public record Lease(String id, RefreshOutcome refusal, ProviderProfile profile, String tenant, String accessToken,
                    String refreshToken, String refreshTokenEnc, String scope, Instant accessExpiresAt,
                    Instant lastUsedAt, String inDoubtReason, int failureCount, String candidateRefreshToken, String owner,
                    String storedTokenProblem) {

    static Lease refused(String id, RefreshOutcome why) {
        return new Lease(id, why, null, null, null, null, null, null, null, null, null, 0, null, null, null);
    }

    public boolean granted() {
        return refusal == null;
    }

    public boolean inDoubt() {
        return inDoubtReason != null;
    }

    @Override
    public String toString() {
        return "Lease[" + id + (granted() ? " granted" : " refused " + refusal) + "]";
    }
}
