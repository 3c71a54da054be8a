package io.lsbridge;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Header;

/** The operator's view of connections ({@code /connections}); answers never carry a token. */
public class ConnectionsApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("^[0-9a-f-]{36}$");

    private ConnectionStore store;
    private ProviderProfiles profiles;

    public void setStore(ConnectionStore store) {
        this.store = store;
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public List<Map<String, Object>> list() {
        return store.listConnections();
    }

    public Map<String, Object> get(@Header("id") String id) {
        Map<String, Object> view = new LinkedHashMap<>(require(id));
        view.put("events", store.events(id, 20));
        return view;
    }

    public Map<String, Object> delete(@Header("id") String id) {
        require(id);
        store.deleteConnection(id);
        return Map.of("id", id, "deleted", true);
    }

    /**
     * Registers an X-Series personal token: {@code {"profile": "x-series", "domain_prefix": "...",
     * "token": "...", "replace": false}}. It never expires and is never refreshed. A store that
     * already has an OAuth connection keeps it (409 {@code connection_exists}) unless the body
     * says {@code "replace": true}.
     */
    public Map<String, Object> registerPersonalToken(String body) {
        JsonNode json;
        try {
            json = JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new BridgeException(400, "invalid_json", "The body must be a JSON object with profile, domain_prefix and token.");
        }
        if (json == null || !json.isObject()) {
            throw new BridgeException(400, "invalid_json", "The body must be a JSON object with profile, domain_prefix and token.");
        }
        String profileName = json.path("profile").asText("x-series");
        ProviderProfile profile = profiles.require(profileName);
        if (!"X".equalsIgnoreCase(profile.series())) {
            throw new BridgeException(400, "personal_tokens_unsupported", "Personal tokens exist for X-Series profiles only.");
        }
        String prefix = json.path("domain_prefix").asText("");
        if (!AuthorizationFlow.DOMAIN_PREFIX.matcher(prefix).matches()) {
            throw new BridgeException(400, "invalid_domain_prefix",
                    "domain_prefix must be a store name: lower-case letters, digits and '-', at most 63.");
        }
        String token = json.path("token").asText("");
        if (token.length() < 8 || token.length() > 4096 || !token.matches("[\\x21-\\x7e]+")) {
            throw new BridgeException(400, "invalid_token", "token must be the personal token as Lightspeed shows it.");
        }
        JsonNode replace = json.path("replace");
        if (!replace.isMissingNode() && !replace.isBoolean()) {
            throw new BridgeException(400, "invalid_json", "replace must be true or false.");
        }
        ConnectionStore.Saved saved = store.saveAuthorizedConnection(profile.name(), prefix, null,
                new ConnectionStore.Tokens(token, null, null, null, null), "PERSONAL", replace.asBoolean(false));
        Map<String, Object> view = new LinkedHashMap<>(require(saved.id()));
        view.put("created", saved.created());
        return view;
    }

    private Map<String, Object> require(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        return store.connectionView(id).orElseThrow(() ->
                new BridgeException(404, "unknown_connection", "There is no connection with id '" + id + "'."));
    }

}
