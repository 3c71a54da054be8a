package io.lsbridge.store;

/**
 * The database could not do what was asked (gone, closed, timed out, refused the statement). Routes
 * can catch this one type, e.g. to retry a refresh commit. The message names the failure, never a value.
 */
public class DatabaseException extends IllegalStateException {
    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
