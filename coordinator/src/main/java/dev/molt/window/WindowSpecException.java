package dev.molt.window;

/** A window definition that cannot be used; the message names the bad part and what is allowed. */
public final class WindowSpecException extends IllegalArgumentException {
    public WindowSpecException(String message) {
        super(message);
    }
}
