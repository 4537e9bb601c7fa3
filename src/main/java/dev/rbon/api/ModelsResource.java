package dev.rbon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rbon.model.ModelInfo;
import dev.rbon.worker.ModelSet;
import dev.rbon.worker.WorkerPool;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** GET /v1/models: what is loaded, on which device, with its architecture and dtype. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "models", description = "What runs where")
public class ModelsResource {

    /** One loaded model on one worker. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(
            @Schema(description = "policy, reference, reward or embedding") String role,
            @Schema(description = "Folder or model name") String name,
            @Schema(description = "config.json's architectures[0], or the embedder's kind") String architecture,
            @Schema(description = "The dtype rbon computes in") String dtype,
            @Schema(description = "The dtype the weights were stored in") String storedDtype,
            @Schema(description = "Stored parameters") Long parameters,
            @Schema(description = "The worker's device, e.g. cpu() or gpu(0)") String device,
            @Schema(description = "Where the weights were read from") String path,
            @Schema(description = "Index of the worker that owns this copy") int worker) {

        static Model of(String role, ModelInfo info, String device, int worker) {
            return new Model(role, info.name(), info.architecture(), "float32", info.storedDtype(), info.parameters(),
                    device, info.path().toString(), worker);
        }
    }

    public record ModelList(@Schema(description = "Every model of every worker") List<Model> data) {}

    private final WorkerPool pool;

    public ModelsResource(WorkerPool pool) {
        this.pool = pool;
    }

    @GET
    @Operation(operationId = "listModels", summary = "List the loaded models, per worker and device")
    public ModelList list() {
        List<Model> data = new ArrayList<>();
        List<ModelSet> workers = pool.loaded();
        for (int w = 0; w < workers.size(); w++) {
            ModelSet models = workers.get(w);
            String device = models.device().toString();
            data.add(Model.of("policy", models.policy().info(), device, w));
            if (models.reference() != null) {
                data.add(Model.of("reference", models.reference().info(), device, w));
            }
            data.add(models.reward() != null ? Model.of("reward", models.reward().info(), device, w)
                    : new Model("reward", models.rewardName(), "remote", null, null, null, "remote",
                            models.remoteReward().backend().url().toString(), w));
            data.add(new Model("embedding", models.embedder().name(), models.embedder().getClass().getSimpleName(),
                    "float32", null, null, models.embedder().device(), null, w));
        }
        return new ModelList(data);
    }
}
