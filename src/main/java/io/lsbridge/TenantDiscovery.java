package io.lsbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


/**
 * Finds which store a new token belongs to: X-Series names it on the callback
 * ({@code domain_prefix}); the others answer a GET ({@code tenant-url}) read with JSON pointers.
 */
public class TenantDiscovery {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Tenant(String key, String name) {
    }

    /** The store named on the callback (already checked): its key, no name. */
    public Tenant named(String tenant) {
        return new Tenant(tenant, null);
    }

    /** Reads the account lookup's answer with the profile's JSON pointers. */
    public Tenant fromResponse(ProviderProfile p, Integer status, String body) {
        if (status == null || status != 200) {
            throw new BridgeException(502, "tenant_discovery_failed", "Lightspeed gave tokens but its "
                    + "account lookup answered HTTP " + status + "; the store was not connected. Try again.");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (Exception e) {
            throw new BridgeException(502, "tenant_discovery_failed", "Lightspeed's account lookup did not answer JSON.");
        }
        JsonNode id = json.at(p.tenantIdPointer());
        String key = id.isMissingNode() || id.isNull() ? null : id.asText();
        if (key == null || !AuthorizationFlow.TENANT_ID.matcher(key).matches()) {
            throw new BridgeException(502, "tenant_discovery_failed", "Lightspeed's account lookup did not name an account at "
                    + p.tenantIdPointer() + ".");
        }
        String name = null;
        if (p.tenantNamePointer() != null) {
            JsonNode n = json.at(p.tenantNamePointer());
            name = n.isMissingNode() || n.isNull() ? null : ConnectionStore.truncate(n.asText(), 255);
        }
        return new Tenant(key, name);
    }
}
