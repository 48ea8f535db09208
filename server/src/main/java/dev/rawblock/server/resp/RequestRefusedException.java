package dev.rawblock.server.resp;

/**
 * A request read to its end but refused before it ran (a value over max-value-size): the client
 * gets the error, and the connection goes on, unlike after a {@link dev.rawblock.server.ProtocolException}.
 */
final class RequestRefusedException extends RuntimeException {
    RequestRefusedException(String message) {
        super(message);
    }
}
