package dev.rbon.api;

import dev.rbon.worker.ModelSet;
import dev.rbon.worker.WorkerPool;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;

/** GET /v1/models: what is loaded, on which device, with its architecture and dtype. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    /** One loaded model. */
    public record ModelInfo(String role, String name, String architecture, String dtype, String device) {}

    public record ModelList(List<ModelInfo> data) {}

    private final WorkerPool pool;

    public ModelsResource(WorkerPool pool) {
        this.pool = pool;
    }

    @GET
    public ModelList list() {
        List<ModelInfo> data = new ArrayList<>();
        for (ModelSet models : pool.loaded()) {
            String device = models.device().toString();
            data.add(new ModelInfo("policy", models.policy().name(), models.policy().architecture(), "float32", device));
            if (models.reference() != null) {
                data.add(new ModelInfo("reference", models.reference().name(), models.reference().architecture(),
                        "float32", device));
            }
            data.add(new ModelInfo("reward", models.reward().name(), models.reward().architecture(), "float32", device));
            data.add(new ModelInfo("embedding", models.embedder().name(), models.embedder().getClass().getSimpleName(),
                    "float32", device));
        }
        return new ModelList(data);
    }
}
