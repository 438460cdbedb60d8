package dev.molt.criu;

import java.util.EnumMap;
import java.util.Map;

/**
 * Answers CRIU's notifications. Returning normally lets CRIU go on; throwing makes CRIU fail the
 * request (on dump, CRIU then resumes the tree), and the exception becomes the cause of the
 * resulting {@link CriuException.Failed}. Called on the thread running the request.
 */
@FunctionalInterface
public interface NotifyHandler {

    /** Acknowledges everything. */
    NotifyHandler ACCEPT_ALL = notification -> {};

    void onNotify(Notification notification) throws Exception;

    /** A handler that dispatches by script; scripts with no callback are acknowledged. */
    static Builder builder() {
        return new Builder();
    }

    /** One callback per script. */
    @FunctionalInterface
    interface Callback {
        void run(Notification notification) throws Exception;
    }

    final class Builder {
        private final Map<NotifyScript, Callback> callbacks = new EnumMap<>(NotifyScript.class);

        private Builder() {}

        /** Registers the callback for {@code script}; a second one for the same script is refused. */
        public Builder on(NotifyScript script, Callback callback) {
            Callback earlier = callbacks.putIfAbsent(script, callback);
            if (earlier != null) {
                throw new IllegalStateException("a callback for " + script.scriptName()
                        + " is registered already (" + earlier + "); register one per script");
            }
            return this;
        }

        public NotifyHandler build() {
            Map<NotifyScript, Callback> copy = new EnumMap<>(callbacks);
            return notification -> {
                Callback callback = copy.get(notification.script());
                if (callback != null) {
                    callback.run(notification);
                }
            };
        }
    }
}
