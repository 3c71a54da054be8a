package io.lsbridge;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;
import org.apache.camel.Header;

import io.lsbridge.flow.CodeGrant;
import io.lsbridge.flow.UrlForm;

/**
 * Builds token requests in each profile's format (client id and secret in the form body, HTTP
 * Basic, or a public client's id alone; PKCE verifier) and reads token responses. The HTTP call
 * itself is the {@code token-call} route.
 */
public class TokenEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the token-call route sends. {@code authorization} is null unless the profile uses HTTP Basic. */
    public record TokenRequest(String url, String authorization, String body) {
        @Override
        public String toString() {
            return "TokenRequest[" + url + "]";
        }
    }

    // The parts of a request, each read by a bean step of the token-call route (the request comes
    // in as the body). An OGNL call such as ${exchangeProperty.tokenRequest.url()} would make Camel
    // introspect the record's class again for every new request object.

    /** Where the request goes. */
    public String url(TokenRequest request) {
        return request.url();
    }

    /** The HTTP Basic Authorization value, or null when the client authenticates otherwise. */
    public String authorization(TokenRequest request) {
        return request.authorization();
    }

    /** The form body. */
    public String form(TokenRequest request) {
        return request.body();
    }

    /** The one exchange of a checked callback's code. */
    public TokenRequest authorizationCode(CodeGrant grant) {
        ProviderProfile p = grant.profile();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", grant.code());
        form.put("redirect_uri", grant.redirectUri());
        if (grant.codeVerifier() != null) {
            form.put("code_verifier", grant.codeVerifier());
        }
        return withClientAuth(p, p.tokenUrlFor(grant.tenant()), form);
    }

    public TokenRequest refresh(ProviderProfile p, String tenant, String refreshToken, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        if (p.refreshSendsScope() && scope != null) {
            form.put("scope", scope);
        }
        return withClientAuth(p, p.tokenUrlFor(p.tenantFromCallback() ? tenant : null), form);
    }

    private static TokenRequest withClientAuth(ProviderProfile p, String url, Map<String, String> form) {
        String authorization = null;
        switch (p.clientAuth()) {
            case BASIC -> authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (p.clientId() + ":" + p.clientSecret()).getBytes(StandardCharsets.UTF_8));
            case FORM -> {
                form.put("client_id", p.clientId());
                form.put("client_secret", p.clientSecret());
            }
            // a public client (RFC 6749 2.3, with PKCE): its id only, never a secret
            case NONE -> form.put("client_id", p.clientId());
        }
        return new TokenRequest(url, authorization, UrlForm.encode(form));
    }

    /**
     * Reads a token response. OAuth errors and broken answers become a {@link TokenCallFailed}
     * carrying the error code only: a response body is never quoted, it may hold a token.
     */
    public ConnectionStore.Tokens parse(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status,
                                        @Header("Retry-After") String retryAfter, String body) {
        int code = status == null ? 0 : status;
        JsonNode json = null;
        try {
            json = body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (Exception e) {
            // not JSON: handled below
        }
        if (code < 200 || code >= 300) {
            String error = json != null && json.hasNonNull("error") ? json.get("error").asText() : null;
            throw new TokenCallFailed(code, error, retryAfter);
        }
        if (json == null || !json.hasNonNull("access_token") || json.get("access_token").asText().isBlank()) {
            throw new TokenCallFailed(code, "invalid_response", null);
        }
        Instant now = Instant.now();
        Instant expires = null;
        if (json.hasNonNull("expires_in") && json.get("expires_in").asLong() > 0) {
            expires = now.plusSeconds(json.get("expires_in").asLong());
        } else if (json.hasNonNull("expires") && json.get("expires").asLong() > 0) {
            expires = Instant.ofEpochSecond(json.get("expires").asLong());  // X-Series: absolute epoch seconds
        }
        Instant refreshExpires = null;
        if (json.hasNonNull("refresh_expires_in") && json.get("refresh_expires_in").asLong() > 0) {
            refreshExpires = now.plusSeconds(json.get("refresh_expires_in").asLong());
        }
        return new ConnectionStore.Tokens(json.get("access_token").asText(),
                json.hasNonNull("refresh_token") ? json.get("refresh_token").asText() : null,
                expires, refreshExpires, json.hasNonNull("scope") ? json.get("scope").asText() : null);
    }

    /** A token call that did not give tokens: {@code error} is the OAuth error code, if any. */
    public static class TokenCallFailed extends RuntimeException {
        private final int status;
        private final String error;
        private final String retryAfter;

        public TokenCallFailed(int status, String error, String retryAfter) {
            super("token endpoint answered " + (status == 0 ? "nothing" : "HTTP " + status)
                    + (error == null ? "" : " " + error));
            this.status = status;
            this.error = error;
            this.retryAfter = retryAfter;
        }

        public int getStatus() {
            return status;
        }

        public String getError() {
            return error;
        }

        public String getRetryAfter() {
            return retryAfter;
        }

        /** The grant is dead: only a new authorization helps. */
        public boolean needsReauthorization() {
            return "invalid_grant".equals(error) || "invalid_client".equals(error) || "unauthorized_client".equals(error);
        }
    }
}
