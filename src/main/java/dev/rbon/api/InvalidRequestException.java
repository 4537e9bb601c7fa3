package dev.rbon.api;

import java.util.List;

/** A request whose values are unacceptable (HTTP 422); every offending field is named. */
public class InvalidRequestException extends RuntimeException {

    private final List<Problem.FieldError> errors;

    public InvalidRequestException(List<Problem.FieldError> errors) {
        super(errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid");
        this.errors = List.copyOf(errors);
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }

    /** One offending field. */
    public static InvalidRequestException of(String field, String message) {
        return new InvalidRequestException(List.of(new Problem.FieldError(field, message)));
    }
}
