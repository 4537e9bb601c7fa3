package dev.rbon.worker;

/** The request queue is full: the caller should retry later (HTTP 429). */
public class QueueFullException extends RuntimeException {

    public QueueFullException(int capacity) {
        super("the request queue is full (" + capacity + " waiting); retry shortly");
    }
}
