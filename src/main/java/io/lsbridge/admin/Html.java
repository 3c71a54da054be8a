package io.lsbridge.admin;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/** Escaping and cell values for the admin pages: every value from the database or a request goes through {@link #esc}. */
final class Html {
    private Html() {
    }

    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
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
