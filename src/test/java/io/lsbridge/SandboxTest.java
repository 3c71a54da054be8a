package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The emulated authorization servers refuse what the real ones refuse. */
class SandboxTest extends BridgeTestSupport {

    private String authorize(String series, String query) {
        return base() + "/sandbox/" + series + "/oauth/authorize?" + query;
    }

    private String redirect(String profile) {
        return URLEncoder.encode(base() + "/callback/" + profile, StandardCharsets.UTF_8);
    }

    @Test
    void authorizeChecksClientRedirectStateScopeAndPkce() {
        Browser b = new Browser();
        HttpResponse<String> wrongClient = b.get(authorize("x", "response_type=code&client_id=other&redirect_uri="
                + redirect("x-series") + "&state=abcdefghij&scope=products:read"));
        assertEquals(400, wrongClient.statusCode());
        assertTrue(wrongClient.body().contains("Unknown client"));

        HttpResponse<String> wrongRedirect = b.get(authorize("x", "response_type=code&client_id=sandbox-client&redirect_uri="
                + URLEncoder.encode("https://evil.example/cb", StandardCharsets.UTF_8) + "&state=abcdefghij&scope=products:read"));
        assertEquals(400, wrongRedirect.statusCode(), "never redirects to an unregistered address");
        assertTrue(wrongRedirect.body().contains("Redirect URI mismatch"));

        String shortState = Browser.location(b.get(authorize("x", "response_type=code&client_id=sandbox-client&redirect_uri="
                + redirect("x-series") + "&state=short&scope=products:read")));
        assertTrue(shortState.contains("error=invalid_request"), shortState);

        String noScope = Browser.location(b.get(authorize("k", "response_type=code&client_id=sandbox-client&redirect_uri="
                + redirect("k-series") + "&state=abcdefghij")));
        assertTrue(noScope.contains("error=invalid_scope"), noScope);

        String noPkce = Browser.location(b.get(authorize("l", "response_type=code&client_id=sandbox-client&redirect_uri="
                + redirect("l-series") + "&state=abcdefghij")));
        assertTrue(noPkce.contains("error=invalid_request"), noPkce);

        String badType = Browser.location(b.get(authorize("o", "response_type=token&client_id=sandbox-client&redirect_uri="
                + redirect("o-series") + "&state=abcdefghij")));
        assertTrue(badType.contains("error=unsupported_response_type"), badType);
    }

    @Test
    void tokenEndpointWantsEachSeriesClientAuthentication() {
        // R takes client credentials in the form body; HTTP Basic alone is refused
        HttpResponse<String> basicForR = Browser.call("POST", base() + "/sandbox/r/oauth/token", null, null);
        assertEquals(401, basicForR.statusCode());
        HttpResponse<String> wrongSecret = new Browser().postForm(base() + "/sandbox/o/oauth/token",
                "grant_type=authorization_code&code=x&client_id=sandbox-client&client_secret=wrong");
        assertEquals(401, wrongSecret.statusCode());
        assertTrue(wrongSecret.body().contains("invalid_client"));
        // L wants HTTP Basic: credentials in the body are not enough
        HttpResponse<String> formForL = new Browser().postForm(base() + "/sandbox/l/oauth/token",
                "grant_type=authorization_code&code=x&client_id=sandbox-client&client_secret=" + sandboxSecret);
        assertEquals(401, formForL.statusCode());
        // right credentials, unknown code
        HttpResponse<String> unknownCode = new Browser().postForm(base() + "/sandbox/o/oauth/token",
                "grant_type=authorization_code&code=nope&redirect_uri=x&client_id=sandbox-client&client_secret=" + sandboxSecret);
        assertEquals(400, unknownCode.statusCode());
        assertTrue(unknownCode.body().contains("invalid_grant"));
    }

    @Test
    void accountLookupsAnswerOnlyForAValidBearerToken() {
        for (String path : new String[] {"/r/API/V3/Account.json", "/o/v1/companies/me.json", "/l/resto/rest/core/company",
                "/k/f/data/businesses", "/x/demo-store/2.0/products"}) {
            assertEquals(401, Browser.call("GET", base() + "/sandbox/api" + path, null, null).statusCode(), path);
        }
    }
}
