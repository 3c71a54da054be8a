package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** PKCE S256 and AES-256-GCM, checked against the RFC and against tampering. */
class CryptoTest {

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
        String enc = cipher.encrypt("sbx-at-secret", ConnectionStore.ACCESS);
        assertFalse(enc.contains("sbx-at-secret"));
        assertNotEquals(enc, cipher.encrypt("sbx-at-secret", ConnectionStore.ACCESS), "fresh IV each time");
        assertEquals("sbx-at-secret", cipher.decrypt(cipher.currentKeyId(), enc, ConnectionStore.ACCESS));
        assertThrows(IllegalStateException.class, () -> cipher.decrypt(cipher.currentKeyId(), enc, ConnectionStore.REFRESH));
        char[] c = enc.toCharArray();
        c[20] = c[20] == 'A' ? 'B' : 'A';
        assertThrows(IllegalStateException.class, () -> cipher.decrypt(cipher.currentKeyId(), new String(c), ConnectionStore.ACCESS));
        assertThrows(IllegalStateException.class, () -> cipher.decrypt("other-key", enc, ConnectionStore.ACCESS));

        // the key file persists: a second cipher (a restart) reads what the first wrote
        TokenCipher again = new TokenCipher();
        again.setKeyFile(keyFile.toString());
        assertEquals("sbx-at-secret", again.decrypt(again.currentKeyId(), enc, ConnectionStore.ACCESS));
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
