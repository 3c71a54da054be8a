package io.lsbridge;

import java.util.Base64;

/** RFC 7636 PKCE with the S256 method: a fresh verifier per authorization, kept server-side. */
public final class Pkce {
    private Pkce() {
    }

    /** 32 random bytes as base64url: 43 characters, inside RFC 7636's 43..128. */
    public static String newVerifier() {
        return Secrets.randomToken(32);
    }

    public static String challenge(String verifier) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Secrets.sha256(verifier));
    }

    /** Whether a verifier matches an S256 challenge, compared in constant time. */
    public static boolean matches(String verifier, String challenge) {
        return verifier != null && Secrets.constantTimeEquals(challenge(verifier), challenge);
    }
}
