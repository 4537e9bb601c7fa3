package dev.rbon.decode;

/** A request value that is well-formed but not acceptable (HTTP 422), naming the field it concerns. */
public class FieldException extends RuntimeException {

    private final String field;

    public FieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
