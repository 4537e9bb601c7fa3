package dev.rbon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An RFC 9457 problem detail, served as application/problem+json; {@code errors} names each offending field. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {}

    public static Problem of(int status, String title, String detail, List<FieldError> errors) {
        return new Problem("about:blank", title, status, detail, errors);
    }
}
