package io.lsbridge.admin;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

import io.lsbridge.Pages;

/** Escaping and cell values for the admin pages: every value from the database or a request goes through {@link #esc}. */
final class Html {
    private Html() {
    }

    static String esc(Object value) {
        return value == null ? "" : Pages.escape(value.toString());
    }

    /** A column of a row from Camel's sql component (the database may name columns in upper case). */
    static Object col(Map<String, Object> row, String name) {
        if (row == null) {
            return null;
        }
        Object v = row.get(name);
        return v != null || row.containsKey(name) ? v : row.get(name.toUpperCase(Locale.ROOT));
    }

    static String text(Map<String, Object> row, String name) {
        Object v = col(row, name);
        return v == null ? null : v.toString();
    }

    /** A timestamp column as ISO-8601 UTC to the second; blank when null. */
    static String when(Object v) {
        Instant i = null;
        if (v instanceof Instant x) {
            i = x;
        } else if (v instanceof OffsetDateTime x) {
            i = x.toInstant();
        } else if (v instanceof ZonedDateTime x) {
            i = x.toInstant();
        } else if (v instanceof Timestamp x) {
            i = x.toInstant();
        } else if (v instanceof java.util.Date x) {
            i = x.toInstant();
        }
        if (i == null) {
            return v == null ? "" : v.toString();
        }
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
