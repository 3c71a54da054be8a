package io.lsbridge.health;

/** A short reason for a health detail: the exception's type and the first line of its message. */
final class Reasons {
    private Reasons() {
    }

    static String of(Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        if (message.length() > 200) {
            message = message.substring(0, 200) + "...";
        }
        return e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
