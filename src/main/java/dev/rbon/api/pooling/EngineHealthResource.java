package dev.rbon.api.pooling;

import dev.rbon.worker.WorkerPool;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * GET /health as vLLM, SGLang and TGI serve it (200 with an empty body when the models are loaded), so that an
 * rbon front probes an rbon reward engine the way it probes theirs. Kubernetes probes use /q/health/*.
 */
@Path("/health")
@Tag(name = "pooling", description = "vLLM's pooling routes, from rbon's own models")
public class EngineHealthResource {

    private final WorkerPool pool;

    public EngineHealthResource(WorkerPool pool) {
        this.pool = pool;
    }

    @GET
    @Operation(operationId = "engineHealth", summary = "200 when the models are loaded, else 503 (vLLM's /health)")
    @APIResponse(responseCode = "200", description = "Serving")
    @APIResponse(responseCode = "503", description = "Models loading, or shutting down")
    public Response health() {
        return Response.status(pool.ready() ? 200 : 503).build();
    }
}
