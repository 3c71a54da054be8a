package io.lsbridge.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.lsbridge.BridgeTestSupport;
import io.lsbridge.Browser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;

/**
 * GET /openapi.json: the HTTP interface as an OpenAPI 3 document (camel-openapi-java from the rest:
 * blocks), read by a real OpenAPI parser: every operator path and the proxy with their methods,
 * the error answers, and the X-Api-Key security scheme.
 */
class OpenApiTest extends BridgeTestSupport {

    private HttpResponse<String> document() {
        return Browser.call("GET", base() + "/openapi.json", null, null);
    }

    private OpenAPI parsed() {
        HttpResponse<String> r = document();
        assertEquals(200, r.statusCode(), r::body);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(r.body());
        assertNotNull(result.getOpenAPI(), () -> "not OpenAPI: " + result.getMessages() + "\n" + r.body());
        assertEquals(List.of(), result.getMessages(), r.body());
        return result.getOpenAPI();
    }

    private static Set<String> methods(PathItem item) {
        Set<String> out = new TreeSet<>();
        item.readOperationsMap().keySet().forEach(m -> out.add(m.name()));
        return out;
    }

    @Test
    void theDocumentIsOpenApi3WithoutAnApiKeyAndNamesTheBridge() {
        HttpResponse<String> r = document();
        assertEquals(200, r.statusCode(), r::body);
        assertTrue(r.headers().firstValue("content-type").orElse("").contains("json"), r.headers()::toString);
        OpenAPI api = parsed();
        assertTrue(api.getOpenapi().startsWith("3."), api.getOpenapi());
        assertEquals("Lightspeed OAuth Bridge", api.getInfo().getTitle());
        assertNotNull(api.getInfo().getVersion());
        assertFalse(r.body().contains(apiKey), "the document holds no key");
        // the server is where clients reach the bridge (bridge.openapi.host), not the address it binds to
        assertEquals("http://localhost:" + port, api.getServers().get(0).getUrl(), api.getServers()::toString);
    }

    @Test
    void everyOperatorPathAndTheProxyAreListedWithTheirMethods() {
        Map<String, PathItem> paths = parsed().getPaths();
        assertEquals(Set.of("GET", "POST"), methods(paths.get("/connections")), paths::toString);
        assertEquals(Set.of("GET", "DELETE"), methods(paths.get("/connections/{id}")), paths::toString);
        assertEquals(Set.of("POST"), methods(paths.get("/connections/{id}/refresh")), paths::toString);
        assertEquals(Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"), methods(paths.get("/api/{connectionId}/{path}")),
                paths::toString);
        assertEquals(Set.of("/connections", "/connections/{id}", "/connections/{id}/refresh", "/api/{connectionId}/{path}"),
                paths.keySet(), "nothing else (the sandbox, the callback pages) is in the document");

        // parameters and error answers are described
        Operation show = paths.get("/connections/{id}").getGet();
        assertEquals("id", show.getParameters().get(0).getName());
        assertEquals("path", show.getParameters().get(0).getIn());
        assertTrue(show.getResponses().keySet().containsAll(Set.of("200", "401", "404")), show.getResponses()::toString);
        Operation proxied = paths.get("/api/{connectionId}/{path}").getGet();
        assertEquals(Set.of("connectionId", "path"), Set.copyOf(proxied.getParameters().stream().map(p -> p.getName()).toList()));
        assertTrue(proxied.getResponses().keySet().containsAll(Set.of("400", "401", "404", "409", "429", "502", "503", "504")),
                proxied.getResponses()::toString);
        assertNotNull(proxied.getResponses().get("429").getHeaders().get("Retry-After"), "429 names its Retry-After header");
        assertTrue(paths.get("/connections/{id}/refresh").getPost().getResponses().containsKey("503"));
        // the front door's 503 while the node starts or stops is documented on every operation
        paths.forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            var starting = op.getResponses().get("503");
            assertNotNull(starting, () -> method + " " + path + " documents no 503");
            assertTrue(starting.getDescription().contains("starting") && starting.getDescription().contains("stopping"),
                    () -> method + " " + path + ": " + starting.getDescription());
        }));
    }

    @Test
    void everyOperationNeedsTheXApiKeyHeader() {
        OpenAPI api = parsed();
        SecurityScheme scheme = api.getComponents().getSecuritySchemes().get("ApiKey");
        assertNotNull(scheme, () -> String.valueOf(api.getComponents().getSecuritySchemes()));
        assertEquals(SecurityScheme.Type.APIKEY, scheme.getType());
        assertEquals(SecurityScheme.In.HEADER, scheme.getIn());
        assertEquals("X-Api-Key", scheme.getName());
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            List<?> security = op.getSecurity() != null ? op.getSecurity() : api.getSecurity();
            assertNotNull(security, method + " " + path + " has no security requirement");
            assertTrue(security.toString().contains("ApiKey"), method + " " + path + ": " + security);
        }));
    }

    @Test
    void theProxysDocumentingRestBlockMakesNoRouteAndTheProxyStillAnswers() {
        for (String verb : List.of("get", "post", "put", "patch", "delete", "head")) {
            assertNull(context.getRoute("api-proxy-doc-" + verb), verb);
        }
        assertTrue(context.getRoutes().stream().noneMatch(r -> r.getEndpoint().getEndpointUri().contains("{path}")),
                "no route listens on the documented path");
        assertEquals(ServiceStatus.Started, context.getRouteController().getRouteStatus("api-http"));
        assertEquals(200, connectStore("x-series", "openapi-shop").statusCode());
        String id = connectionId("x-series", "openapi-shop");
        HttpResponse<String> r = Browser.call("GET", base() + "/api/" + id + "/2.0/products", apiKey, null);
        assertEquals(200, r.statusCode(), r::body);
        assertTrue(r.body().contains("Sandbox coffee"), r::body);
        // and the proxy's own key check still holds
        assertEquals(401, Browser.call("GET", base() + "/api/" + id + "/2.0/products", null, null).statusCode());
    }
}
