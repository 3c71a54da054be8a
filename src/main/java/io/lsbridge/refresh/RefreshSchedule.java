package io.lsbridge.refresh;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lsbridge.ProviderProfile;
import io.lsbridge.ProviderProfiles;
import io.lsbridge.store.Jdbc;

/**
 * The values of the loop's plain "due connections" query, per profile: which profiles are
 * refreshed, and until when an access token counts as expiring (the profile's margin) or a refresh
 * token as idle (a day before the profile's idle limit).
 */
public class RefreshSchedule {
    private ProviderProfiles profiles;
    private int batchSize = 1000;

    /** Names of the usable profiles: the loop queries each in turn. */
    public List<String> profileNames() {
        return profiles.list().stream().filter(ProviderProfile::usable).map(ProviderProfile::name).toList();
    }

    /** The named parameters of the due query for one profile (now, dueBefore, idleBefore, profile, limit). */
    public Map<String, Object> dueQuery(String profileName) {
        ProviderProfile p = profiles.require(profileName);
        Instant now = Instant.now();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("profile", p.name());
        params.put("now", Jdbc.ts(now));
        params.put("dueBefore", Jdbc.ts(now.plusSeconds(p.refreshMarginSeconds())));
        // no idle limit: a time no row is older than
        params.put("idleBefore", Jdbc.ts(p.refreshIdleDays() > 0 ? keepAliveBefore(p, now) : Instant.EPOCH));
        params.put("limit", batchSize);
        return params;
    }

    /** A refresh token idle this long gets a keep-alive refresh: a day before its idle limit. */
    static Instant keepAliveBefore(ProviderProfile p, Instant now) {
        return now.minusSeconds(Math.max(0, p.refreshIdleDays() - 1) * 86400L);
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }
}
