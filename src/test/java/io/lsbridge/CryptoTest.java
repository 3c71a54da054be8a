package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.lsbridge.crypto.StoredSecretMismatch;

import org.junit.jupiter.api.Test;

/** PKCE S256 and AES-256-GCM, checked against the RFC and against tampering. */
class CryptoTest {
    private static final String ROW = "7d3c1f9e-0000-4000-8000-000000000001";

    @Test
    void pkceMatchesRfc7636AppendixB() {
        String verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Pkce.challenge(verifier));
        assertTrue(Pkce.matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assertFalse(Pkce.matches(verifier + "x", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        String fresh = Pkce.newVerifier();
        assertEquals(43, fresh.length());
        assertNotEquals(fresh, Pkce.newVerifier());
    }

    @Test
    void cipherRoundTripsAndRefusesTamperingOrTheWrongPurpose() throws Exception {
        Path keyFile = Files.createTempDirectory("cipher").resolve("k.key");
        TokenCipher cipher = new TokenCipher();
        cipher.setKeyFile(keyFile.toString());
        String enc = cipher.encrypt("sbx-at-secret", ConnectionStore.ACCESS, ROW);
        assertFalse(enc.contains("sbx-at-secret"));
        assertTrue(enc.startsWith("v2.") && TokenCipher.isBound(enc), enc);
        assertNotEquals(enc, cipher.encrypt("sbx-at-secret", ConnectionStore.ACCESS, ROW), "fresh IV each time");
        assertEquals("sbx-at-secret", cipher.decrypt(cipher.currentKeyId(), enc, ConnectionStore.ACCESS, ROW));
        assertThrows(StoredSecretMismatch.class, () -> cipher.decrypt(cipher.currentKeyId(), enc, ConnectionStore.REFRESH, ROW));
        char[] c = enc.toCharArray();
        c[20] = c[20] == 'A' ? 'B' : 'A';
        assertThrows(StoredSecretMismatch.class, () -> cipher.decrypt(cipher.currentKeyId(), new String(c), ConnectionStore.ACCESS, ROW));
        assertThrows(IllegalStateException.class, () -> cipher.decrypt("other-key", enc, ConnectionStore.ACCESS, ROW));

        // the key file persists: a second cipher (a restart) reads what the first wrote
        TokenCipher again = new TokenCipher();
        again.setKeyFile(keyFile.toString());
        assertEquals("sbx-at-secret", again.decrypt(again.currentKeyId(), enc, ConnectionStore.ACCESS, ROW));
    }

    /** A value opens only in its own row and field: copied to another connection or column it is refused, by name. */
    @Test
    void aCiphertextIsBoundToItsRowAndField() throws Exception {
        TokenCipher cipher = new TokenCipher();
        cipher.setKeyFile(Files.createTempDirectory("cipher").resolve("k.key").toString());
        String kid = cipher.currentKeyId();
        String other = "7d3c1f9e-0000-4000-8000-000000000002";
        String refresh = cipher.encrypt("sbx-rt-a", ConnectionStore.REFRESH, ROW);
        assertEquals("sbx-rt-a", cipher.decrypt(kid, refresh, ConnectionStore.REFRESH, ROW));
        StoredSecretMismatch e = assertThrows(StoredSecretMismatch.class,
                () -> cipher.decrypt(kid, refresh, ConnectionStore.REFRESH, other));
        assertEquals(500, e.getStatus());
        assertEquals("stored_token_mismatch", e.getCode());
        assertTrue(e.getMessage().contains("refresh token of connection " + other + " does not belong to it"), e.getMessage());
        assertTrue(e.reason().contains("does not belong to this connection"), e.reason());
        assertFalse(e.getMessage().contains("sbx-rt-a") || e.getMessage().contains(refresh), "names no secret");
        for (String field : new String[] {ConnectionStore.ACCESS, ConnectionStore.CANDIDATE, ConnectionStore.VERIFIER}) {
            assertThrows(StoredSecretMismatch.class, () -> cipher.decrypt(kid, refresh, field, ROW), field);
        }
        // a bound value with its prefix cut off is not accepted as an older, unbound one either
        assertThrows(IllegalStateException.class,
                () -> cipher.decrypt(kid, refresh.substring(refresh.lastIndexOf('.') + 1), ConnectionStore.REFRESH, ROW));
        assertThrows(IllegalArgumentException.class, () -> cipher.encrypt("x", ConnectionStore.ACCESS, null));
    }

    /** Values written before the binding (AAD = the field only) are still read, unless read-unbound is off. */
    @Test
    void valuesWrittenBeforeTheBindingAreReadTheOldWay() throws Exception {
        Path keyFile = Files.createTempDirectory("cipher").resolve("k.key");
        TokenCipher cipher = new TokenCipher();
        cipher.setKeyFile(keyFile.toString());
        cipher.init();   // makes the key file
        byte[] key = Base64.getDecoder().decode(Files.readString(keyFile).trim());
        String oldAccess = legacyEncrypt(key, "sbx-at-old", ConnectionStore.ACCESS);
        String oldCandidate = legacyEncrypt(key, "sbx-rt-kept", ConnectionStore.REFRESH);
        assertFalse(TokenCipher.isBound(oldAccess));
        assertEquals("sbx-at-old", cipher.decrypt(cipher.currentKeyId(), oldAccess, ConnectionStore.ACCESS, ROW));
        // candidates were encrypted as refresh tokens before they had a field of their own
        assertEquals("sbx-rt-kept", cipher.decrypt(cipher.currentKeyId(), oldCandidate, ConnectionStore.CANDIDATE, ROW));
        assertThrows(IllegalStateException.class, () -> cipher.decrypt(cipher.currentKeyId(), oldAccess, ConnectionStore.REFRESH, ROW));

        cipher.setReadUnbound(false);
        StoredSecretMismatch e = assertThrows(StoredSecretMismatch.class,
                () -> cipher.decrypt(cipher.currentKeyId(), oldAccess, ConnectionStore.ACCESS, ROW));
        assertTrue(e.getMessage().contains("bridge.encryption.read-unbound"), e.getMessage());
    }

    /** Another key under the same id is a configuration error, told apart from a row mismatch by the key check. */
    @Test
    void anotherKeyUnderTheSameIdIsNamedAsSuch() throws Exception {
        TokenCipher first = new TokenCipher();
        first.setKeyFile(Files.createTempDirectory("cipher").resolve("k.key").toString());
        TokenCipher second = new TokenCipher();
        second.setKeyFile(Files.createTempDirectory("cipher").resolve("k.key").toString());
        String enc = first.encrypt("sbx-at-secret", ConnectionStore.ACCESS, ROW);
        assertEquals(first.currentKeyId(), second.currentKeyId(), "both are the sandbox key");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> second.decrypt(second.currentKeyId(), enc, ConnectionStore.ACCESS, ROW));
        assertEquals(IllegalStateException.class, e.getClass(), "a configuration error, not a row mismatch");
        assertTrue(e.getMessage().contains("BRIDGE_ENCRYPTION_RETIRED_KEYS"), e.getMessage());
    }

    /** The format of versions before the binding, written here independently of TokenCipher. */
    static String legacyEncrypt(byte[] key, String plain, String field) throws Exception {
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD(field.getBytes(StandardCharsets.UTF_8));
        byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
    }

    @Test
    void withoutKeyOrKeyFileTheCipherRefusesToStart() {
        TokenCipher cipher = new TokenCipher();
        cipher.setKeyFile("none");
        if (System.getenv("BRIDGE_ENCRYPTION_KEY") == null) {
            IllegalStateException e = assertThrows(IllegalStateException.class, cipher::init);
            assertTrue(e.getMessage().contains("BRIDGE_ENCRYPTION_KEY"));
        }
    }
}
