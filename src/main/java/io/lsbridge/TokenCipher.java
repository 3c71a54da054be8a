package io.lsbridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AES-256-GCM for tokens and PKCE verifiers at rest. Each value is bound to its purpose
 * (associated data) so an access token's ciphertext cannot be replayed as a refresh token.
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

    private final Map<String, SecretKey> keys = new LinkedHashMap<>();
    private String currentKeyId;
    private String keyFile;

    public void setKeyFile(String keyFile) {
        this.keyFile = keyFile == null || keyFile.isBlank() || "none".equals(keyFile) ? null : keyFile;
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
    }

    public String currentKeyId() {
        init();
        return currentKeyId;
    }

    /** Encrypts with the current key; returns base64(iv || ciphertext || tag). */
    public String encrypt(String plain, String purpose) {
        if (plain == null) {
            return null;
        }
        init();
        try {
            byte[] iv = Secrets.randomBytes(IV_BYTES);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            byte[] ct = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    public String decrypt(String keyId, String encrypted, String purpose) {
        if (encrypted == null) {
            return null;
        }
        init();
        SecretKey key = keys.get(keyId);
        if (key == null) {
            throw new IllegalStateException("no encryption key with id '" + keyId + "' is configured");
        }
        try {
            byte[] all = Base64.getDecoder().decode(encrypted);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored secret does not decrypt with key '" + keyId + "'", e);
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
