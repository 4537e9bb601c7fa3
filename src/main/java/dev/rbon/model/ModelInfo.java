package dev.rbon.model;

import java.nio.file.Path;

/**
 * What a loaded model is, for operators: its folder, architecture, parameter count, the dtype its weights were
 * stored in, and the dtype it computes in ({@code rbon.models.dtype} resolved for its device).
 */
public record ModelInfo(String name, String architecture, Path path, long parameters, String storedDtype,
        String computeDtype) {

    static ModelInfo of(Checkpoint checkpoint) {
        String dtype = checkpoint.config().path("dtype").asText(checkpoint.config().path("torch_dtype").asText("float32"));
        return new ModelInfo(checkpoint.dir().getFileName().toString(), checkpoint.architecture(),
                checkpoint.dir().toAbsolutePath(), checkpoint.parameterCount(), dtype.isEmpty() ? "float32" : dtype,
                checkpoint.dtype().configName());
    }
}
