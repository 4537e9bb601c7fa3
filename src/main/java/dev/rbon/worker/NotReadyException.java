package dev.rbon.worker;

/** The service cannot take requests now: models still loading, or shutting down (HTTP 503). */
public class NotReadyException extends RuntimeException {

    public NotReadyException(String message) {
        super(message);
    }
}
