package dev.rawblock.server;

/**
 * The client sent bytes that break the protocol (a bad length, an unknown frame, garbage): the
 * stream cannot be trusted any more, so the connection gets an error (where the protocol has one)
 * and is closed. Nothing the request carried is stored.
 */
public final class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message);
    }
}
