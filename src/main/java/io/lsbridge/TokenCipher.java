package io.lsbridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.lsbridge.crypto.StoredSecretMismatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AES-256-GCM for tokens and PKCE verifiers at rest. Each value is bound to its row and its field
 * (associated data {@code lsbridge.v2 NUL field NUL rowId}): a ciphertext copied to another
 * connection, or from the access token's column to the refresh token's, does not open there
 * ({@link StoredSecretMismatch}). Stored form: {@code v2.<key check>.<base64(iv || ciphertext || tag)>};
 * the key check (8 characters of an HMAC of a fixed text under the key) tells a key configured
 * under the wrong id apart from a value that does not belong to its row.
 *
 * <p>Values written before the binding (no {@code v2.} prefix; bound to their field only) are read
 * the old way while {@code readUnbound} is true (bridge.encryption.read-unbound), and are written
 * bound at the next write of their row (and by {@code io.lsbridge.store.UnboundTokens} at startup).
 *
 * <p>Keys: {@code BRIDGE_ENCRYPTION_KEY} (base64 of 32 bytes) with id {@code BRIDGE_ENCRYPTION_KEY_ID};
 * older keys stay readable through {@code BRIDGE_ENCRYPTION_RETIRED_KEYS} ({@code id:base64,...}).
 * Without an environment key, and only when {@code keyFile} is set (sandbox mode), a key is made
 * on first run and kept in that file.
 */
public class TokenCipher {
    private static final Logger LOG = LoggerFactory.getLogger(TokenCipher.class);
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** The prefix of a value bound to its row and field. */
    public static final String BOUND = "v2.";
    private static final byte[] KEY_CHECK_TEXT = "lsbridge key check v2".getBytes(StandardCharsets.UTF_8);

    private final Map<String, SecretKey> keys = new LinkedHashMap<>();
    private final Map<String, String> keyChecks = new LinkedHashMap<>();
    private volatile boolean readUnbound = true;
    private String currentKeyId;
    private String keyFile;

    public void setKeyFile(String keyFile) {
        this.keyFile = keyFile == null || keyFile.isBlank() || "none".equals(keyFile) ? null : keyFile;
    }

    /** Whether values stored before they were bound to their row are still read (bridge.encryption.read-unbound). */
    public void setReadUnbound(boolean readUnbound) {
        this.readUnbound = readUnbound;
    }

    /** Loads the keys; idempotent because YAML beans may be initialised twice. */
    public synchronized void init() {
        if (currentKeyId != null) {
            return;
        }
        String envKey = System.getenv("BRIDGE_ENCRYPTION_KEY");
        if (envKey != null && !envKey.isBlank()) {
            String id = System.getenv().getOrDefault("BRIDGE_ENCRYPTION_KEY_ID", "k1");
            keys.put(id, decodeKey(id, envKey));
            currentKeyId = id;
            String retired = System.getenv("BRIDGE_ENCRYPTION_RETIRED_KEYS");
            if (retired != null) {
                for (String entry : retired.split(",")) {
                    String[] parts = entry.trim().split(":", 2);
                    if (parts.length == 2) {
                        keys.putIfAbsent(parts[0], decodeKey(parts[0], parts[1]));
                    }
                }
            }
            LOG.info("Token encryption: AES-256-GCM with key id '{}' from BRIDGE_ENCRYPTION_KEY", id);
        } else if (keyFile != null) {
            keys.put("sandbox", loadOrCreate(Path.of(keyFile)));
            currentKeyId = "sandbox";
            LOG.info("Token encryption: AES-256-GCM with the sandbox key in {} (set BRIDGE_ENCRYPTION_KEY in production)", keyFile);
        } else {
            throw new IllegalStateException("BRIDGE_ENCRYPTION_KEY is not set: give a base64 AES-256 key "
                    + "(for example `openssl rand -base64 32`) or run in sandbox mode");
        }
        keys.forEach((id, key) -> keyChecks.put(id, keyCheck(key)));
    }

    public String currentKeyId() {
        init();
        return currentKeyId;
    }

    /**
     * Encrypts with the current key, bound to {@code field} (ConnectionStore.ACCESS, REFRESH, CANDIDATE,
     * VERIFIER) of row {@code rowId} (the connection id; the state hash for a verifier).
     */
    public String encrypt(String plain, String field, String rowId) {
        if (plain == null) {
            return null;
        }
        if (rowId == null || rowId.isEmpty()) {
            throw new IllegalArgumentException("a stored secret is bound to its row: rowId missing");
        }
        init();
        try {
            byte[] iv = Secrets.randomBytes(IV_BYTES);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(boundAad(field, rowId));
            byte[] ct = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return BOUND + keyChecks.get(currentKeyId) + "."
                    + Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    /**
     * Decrypts a value stored in {@code field} of row {@code rowId} with key {@code keyId}. Throws
     * {@link StoredSecretMismatch} when the value was written for another row or field (or altered),
     * IllegalStateException when the key is missing or is not the key the value was written with.
     */
    public String decrypt(String keyId, String stored, String field, String rowId) {
        if (stored == null) {
            return null;
        }
        init();
        SecretKey key = keys.get(keyId);
        if (key == null) {
            throw new IllegalStateException("no encryption key with id '" + keyId + "' is configured");
        }
        if (!isBound(stored)) {
            if (!readUnbound) {
                throw new StoredSecretMismatch(field, rowId, "it was stored before secrets were bound to their row, "
                        + "and bridge.encryption.read-unbound is false");
            }
            // written before the binding: associated data was the field alone (a candidate used the refresh token's)
            return open(key, keyId, stored, (ConnectionStore.CANDIDATE.equals(field) ? ConnectionStore.REFRESH : field)
                    .getBytes(StandardCharsets.UTF_8), null, null);
        }
        int dot = stored.indexOf('.', BOUND.length());
        if (dot < 0) {
            throw new StoredSecretMismatch(field, rowId, "it is not a stored secret");
        }
        if (!stored.substring(BOUND.length(), dot).equals(keyChecks.get(keyId))) {
            throw new IllegalStateException("the key configured with id '" + keyId + "' is not the key this value was "
                    + "encrypted with: was BRIDGE_ENCRYPTION_KEY changed under the same BRIDGE_ENCRYPTION_KEY_ID? Give a "
                    + "new key a new id and keep the old one in BRIDGE_ENCRYPTION_RETIRED_KEYS");
        }
        return open(key, keyId, stored.substring(dot + 1), boundAad(field, rowId), field, rowId);
    }

    /** Whether a stored value is bound to its row (written by this version) rather than by an older one. */
    public static boolean isBound(String stored) {
        return stored != null && stored.startsWith(BOUND);
    }

    private static String open(SecretKey key, String keyId, String base64, byte[] aad, String field, String rowId) {
        try {
            byte[] all = Base64.getDecoder().decode(base64);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            cipher.updateAAD(aad);
            return new String(cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            if (field != null) {
                // the key is right (its check matched): the value was made for another row or field, or altered
                throw new StoredSecretMismatch(field, rowId, "it was encrypted for another "
                        + (ConnectionStore.VERIFIER.equals(field) ? "authorization request" : "connection") + " or field, or altered");
            }
            throw new IllegalStateException("a stored secret does not decrypt with key '" + keyId + "'", e);
        }
    }

    private static byte[] boundAad(String field, String rowId) {
        return ("lsbridge.v2\0" + field + "\0" + rowId).getBytes(StandardCharsets.UTF_8);
    }

    /** 8 characters that tell keys apart without revealing them: HMAC-SHA256 of a fixed text, cut. */
    private static String keyCheck(SecretKey key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            byte[] check = Arrays.copyOf(mac.doFinal(KEY_CHECK_TEXT), 6);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(check);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key check failed", e);
        }
    }

    private static SecretKey decodeKey(String id, String base64) {
        byte[] raw = Base64.getDecoder().decode(base64.trim());
        if (raw.length != 32) {
            throw new IllegalStateException("encryption key '" + id + "' must be 32 bytes (base64), got " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    private static SecretKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.writeString(tmp, Base64.getEncoder().encodeToString(Secrets.randomBytes(32)));
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
                try {
                    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    Files.deleteIfExists(tmp);
                }
            }
            return decodeKey("sandbox", Files.readString(file));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create the sandbox key file " + file, e);
        }
    }
}
