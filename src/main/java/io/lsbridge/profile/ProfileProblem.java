package io.lsbridge.profile;

/** A profile block that cannot work; the message names the exact property to fix. */
public class ProfileProblem extends RuntimeException {
    public ProfileProblem(String message) {
        super(message);
    }
}
