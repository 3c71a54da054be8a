package io.lsbridge.sandbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sandbox tokens are signed, not stored: {@code sbx-at-x-...} (access) and {@code sbx-rt-x-...}
 * (refresh) carry the grant's id, the token's generation and (access) its expiry, with an
 * HMAC-SHA256 tag under the sandbox's key. The sandbox's tables keep only each grant's current
 * generations, so they never hold a usable token, and any token can be recomputed after a restart.
 */
final class SandboxTokens {
    static final char ACCESS = 'a';
    static final char REFRESH = 'r';
    private static final int PAYLOAD = 8 + 4 + 8;
    private static final int TAG = 16;

    /** What a token says about itself, once its tag checked out. */
    record Claims(char kind, String series, long grantId, int generation, long expiresAtMillis) {
    }

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    SandboxTokens(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    String mint(char kind, String series, long grantId, int generation, long expiresAtMillis) {
        String prefix = prefix(kind, series);
        byte[] payload = ByteBuffer.allocate(PAYLOAD).putLong(grantId).putInt(generation).putLong(expiresAtMillis).array();
        byte[] token = Arrays.copyOf(payload, PAYLOAD + TAG);
        System.arraycopy(tag(prefix, payload), 0, token, PAYLOAD, TAG);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The token's claims, or null when it is not a well-formed {@code kind} token signed by this sandbox. */
    Claims read(String token, char kind, String series) {
        String prefix = prefix(kind, series);
        if (token == null || !token.startsWith(prefix)) {
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (raw.length != PAYLOAD + TAG) {
            return null;
        }
        byte[] payload = Arrays.copyOf(raw, PAYLOAD);
        if (!MessageDigest.isEqual(tag(prefix, payload), Arrays.copyOfRange(raw, PAYLOAD, PAYLOAD + TAG))) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        return new Claims(kind, series, b.getLong(), b.getInt(), b.getLong());
    }

    private static String prefix(char kind, String series) {
        return (kind == ACCESS ? "sbx-at-" : "sbx-rt-") + series + "-";
    }

    private byte[] tag(String prefix, byte[] payload) {
        Mac mac = macs.get();
        mac.update(prefix.getBytes(StandardCharsets.US_ASCII));
        return Arrays.copyOf(mac.doFinal(payload), TAG);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
