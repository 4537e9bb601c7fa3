package dev.rbon.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rbon.model.ModelInfo;
import dev.rbon.worker.ModelSet;
import dev.rbon.worker.WorkerPool;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * GET /v1/models in OpenAI's list shape: the policy first (its id is the {@code model} of /v1/chat/completions and
 * /v1/completions), then the reference, the reward model (each member of an ensemble) and the embedder, each with
 * rbon's details (role, architecture, dtype, the device of every worker's copy) as extra fields.
 */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "models", description = "What runs where")
public class ModelsResource {

    private static final long STARTED = System.currentTimeMillis() / 1000;

    /** One model; rbon's details beside OpenAI's four fields. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(
            @Schema(description = "The id to send as model (the checkpoint folder's name)") String id,
            @Schema(description = "Always model") String object,
            @Schema(description = "When the server loaded it, Unix seconds") long created,
            @Schema(description = "Always rbon") String ownedBy,
            @Schema(description = "policy, reference, reward or embedding") String role,
            @Schema(description = "config.json's architectures[0], or the embedder's kind") String architecture,
            @Schema(description = "The dtype rbon computes in") String dtype,
            @Schema(description = "The dtype the weights were stored in") String storedDtype,
            @Schema(description = "Stored parameters") Long parameters,
            @Schema(description = "The first worker's device, e.g. cpu() or gpu(0)") String device,
            @Schema(description = "The device of each worker, by worker index (a device's workers share one copy)") List<String> devices,
            @Schema(description = "Most positions (prompt + response) of a causal LM") Integer maxModelLen,
            @Schema(description = "Where the weights were read from") String path) {}

    public record ModelList(@Schema(description = "Always list") String object,
            @Schema(description = "The policy first, then the reference, the reward model (each member of an ensemble, "
                    + "in configuration order) and the embedding model") List<Model> data) {}

    private final WorkerPool pool;

    public ModelsResource(WorkerPool pool) {
        this.pool = pool;
    }

    @GET
    @Operation(operationId = "listModels", summary = "List the loaded models (OpenAI's list shape), policy first")
    public ModelList list() {
        List<ModelSet> workers = pool.loaded();
        List<Model> data = new ArrayList<>();
        if (workers.isEmpty()) {
            return new ModelList("list", data);
        }
        List<String> devices = workers.stream().map(m -> m.device().toString()).toList();
        ModelSet first = workers.get(0);
        Set<String> ids = new HashSet<>();
        data.add(first.policy() != null
                ? model(ids, "policy", first.policy().info(), devices, first.policy().maxPositionEmbeddings())
                : remote(ids, "policy", first.policyName(), first.remotePolicy().backend().url().toString(),
                        first.policyText().maxPositionEmbeddings()));
        if (first.reference() != null) {
            data.add(model(ids, "reference", first.reference().info(), devices,
                    first.reference().maxPositionEmbeddings()));
        } else if (first.remoteReference() != null) {
            data.add(remote(ids, "reference", first.referenceName(), first.remoteReference().backend().url().toString(),
                    first.referenceText().maxPositionEmbeddings()));
        }
        for (ModelSet.RewardMember member : first.rewards()) { // an ensemble's members in configuration order
            data.add(member.model() != null ? model(ids, "reward", member.model().info(), devices, null)
                    : remote(ids, "reward", member.name(), member.remote().backend().url().toString(), null));
        }
        List<String> embedderDevices = workers.stream().map(m -> m.embedder().device()).toList();
        data.add(new Model(unique(ids, "embedding", first.embedder().name()), "model", STARTED, "rbon", "embedding",
                first.embedder().getClass().getSimpleName(), "float32", null, null, embedderDevices.get(0),
                embedderDevices, null, null));
        return new ModelList("list", data);
    }

    /** A model an engine serves: its url where a local one gives its folder. */
    private static Model remote(Set<String> ids, String role, String name, String url, Integer maxLen) {
        return new Model(unique(ids, role, name), "model", STARTED, "remote", role, "remote", null, null, null,
                "remote", null, maxLen == null || maxLen == Integer.MAX_VALUE ? null : maxLen, url);
    }

    private static Model model(Set<String> ids, String role, ModelInfo info, List<String> devices, Integer maxLen) {
        return new Model(unique(ids, role, info.name()), "model", STARTED, "rbon", role, info.architecture(),
                computeDtype(info), info.storedDtype(), info.parameters(), devices.get(0), devices, maxLen,
                info.path().toString());
    }

    /** This resource's failures in OpenAI's error shape, before the global problem+json mappers. */
    @ServerExceptionMapper
    Response error(Throwable e) {
        return OpenAiErrors.of(e);
    }

    /** The dtype the model computes in (rbon.models.dtype as resolved at load). */
    static String computeDtype(ModelInfo info) {
        return info.computeDtype();
    }

    /** Folder names may repeat across roles (two checkpoints both called "model"): the later gets its role. */
    private static String unique(Set<String> ids, String role, String name) {
        String id = ids.contains(name) ? role + "/" + name : name;
        ids.add(id);
        return id;
    }
}
