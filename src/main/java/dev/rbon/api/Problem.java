package dev.rbon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An RFC 9457 problem detail, served as application/problem+json; {@code errors} names each offending field. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@Schema(description = "An RFC 9457 problem detail (application/problem+json).")
public record Problem(
        @Schema(description = "Problem type URI; about:blank: the status says it all.", examples = "about:blank")
                String type,
        @Schema(description = "The status's reason phrase.", examples = "Unprocessable Content") String title,
        @Schema(description = "The HTTP status.", examples = "422") int status,
        @Schema(description = "What went wrong.", examples = "n: must be between 1 and 64, got 0") String detail,
        @Schema(description = "Each offending field, by its JSON name.") List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(
            @Schema(description = "The field's JSON path.", examples = "n") String field,
            @Schema(description = "Why its value was refused.", examples = "must be between 1 and 64, got 0")
                    String message) {}

    public static Problem of(int status, String title, String detail, List<FieldError> errors) {
        return new Problem("about:blank", title, status, detail, errors);
    }
}
