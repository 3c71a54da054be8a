package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A standard OAuth 2.0 / OpenID Connect authorization server that the bridge's sandbox did not
 * write (no.nav.security's mock-oauth2-server: Nimbus OAuth SDK, verifies PKCE), with a look at
 * the requests it received. It logs in at once: its authorize endpoint redirects with a code.
 */
final class StandardOAuthServer {
    private final MockOAuth2Server server = new MockOAuth2Server();
    private final String issuer;

    StandardOAuthServer(String issuer) {
        this.issuer = issuer;
        server.start();
        // the issuer makes its signing key on first use: do it now, not inside the bridge's token call timeout
        HttpResponse<String> jwks = Browser.call("GET", server.jwksUrl(issuer).toString(), null, null);
        if (jwks.statusCode() != 200) {
            throw new IllegalStateException("the OAuth server did not start: " + jwks.statusCode());
        }
        forgetRequests();
    }

    String authorizeUrl() {
        return server.authorizationEndpointUrl(issuer).toString();
    }

    String tokenUrl() {
        return server.tokenEndpointUrl(issuer).toString();
    }

    String userInfoUrl() {
        return server.userInfoUrl(issuer).toString();
    }

    String baseUrl() {
        return server.baseUrl().toString();
    }

    void stop() {
        server.shutdown();
    }

    /** Forgets what the server recorded so far. */
    void forgetRequests() {
        while (nextRequest(10) != null) {
            // discard
        }
    }

    /** The form of the next token request of that grant type; asserts it had no Authorization header. */
    Map<String, String> tokenRequest(String grantType) {
        List<String> seen = new ArrayList<>();
        for (RecordedRequest r; (r = nextRequest(5000)) != null; ) {
            String body = r.getBody().readUtf8();
            seen.add(r.getMethod() + " " + r.getPath());
            if ("POST".equals(r.getMethod()) && r.getPath().endsWith("/token") && body.contains("grant_type=" + grantType)) {
                assertNull(r.getHeader("Authorization"), "no client authentication header");
                return Browser.query("http://form/?" + body);
            }
        }
        throw new AssertionError("no " + grantType + " token request reached the server; saw " + seen);
    }

    private RecordedRequest nextRequest(long millis) {
        try {
            return server.takeRequest(millis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException timedOut) {
            return null;   // mock-oauth2-server throws instead of returning null
        }
    }
}
