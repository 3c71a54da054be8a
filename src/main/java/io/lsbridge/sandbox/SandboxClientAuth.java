package io.lsbridge.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import io.lsbridge.Secrets;

/**
 * Client authentication at the token endpoints, as each series wants it: L and K take HTTP Basic,
 * X, R and O the form body. A public client sends its client_id and no secret at all; it is
 * accepted only for a code bound to a PKCE challenge (and then for that grant's refreshes).
 * A secret that is sent must be right, wherever it is sent.
 */
final class SandboxClientAuth {
    /** Who called: {@code error} is set when the call must be refused as invalid_client. */
    record Client(boolean publicClient, String error) {
        static Client refused(String error) {
            return new Client(false, error);
        }
    }

    private SandboxClientAuth() {
    }

    static Client authenticate(String series, String authorization, Map<String, String> form, String clientId,
                               String clientSecret) {
        boolean wantsBasic = "l".equals(series) || "k".equals(series);
        String basicId = null;
        String basicSecret = null;
        if (authorization != null && authorization.startsWith("Basic ")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Client.refused("malformed Basic credentials");
            }
            int colon = decoded.indexOf(':');
            basicId = colon < 0 ? decoded : decoded.substring(0, colon);
            basicSecret = colon < 0 ? "" : decoded.substring(colon + 1);
        }
        String formSecret = form.get("client_secret");
        boolean secretSent = (basicSecret != null && !basicSecret.isEmpty()) || (formSecret != null && !formSecret.isEmpty());
        if (!secretSent) {
            String id = basicId != null ? basicId : form.get("client_id");
            if (id == null) {
                return Client.refused(wantsBasic ? "this server wants HTTP Basic client authentication"
                        : "client_id and client_secret belong in the form body");
            }
            return Secrets.constantTimeEquals(clientId, id) ? new Client(true, null) : Client.refused("unknown client");
        }
        if (wantsBasic) {
            if (basicSecret == null || basicSecret.isEmpty()) {
                return Client.refused("this server wants HTTP Basic client authentication");
            }
            return Secrets.constantTimeEquals(clientId + ":" + clientSecret, basicId + ":" + basicSecret)
                    ? new Client(false, null) : Client.refused("bad client credentials");
        }
        if (form.get("client_id") == null || formSecret == null) {
            return Client.refused("client_id and client_secret belong in the form body");
        }
        return Secrets.constantTimeEquals(clientId + ":" + clientSecret, form.get("client_id") + ":" + formSecret)
                ? new Client(false, null) : Client.refused("bad client credentials");
    }
}
