package io.lsbridge.flow;

import io.lsbridge.ProviderProfile;

/**
 * A checked callback whose state is now used up: everything the one code exchange needs.
 * {@code tenant} is the store named on the callback (X-Series' domain_prefix), else null. Never logged.
 */
public record CodeGrant(ProviderProfile profile, String code, String redirectUri, String codeVerifier, String tenant) {
    @Override
    public String toString() {
        return "CodeGrant[" + profile.name() + "]";
    }
}
