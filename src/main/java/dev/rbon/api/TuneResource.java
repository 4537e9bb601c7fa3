package dev.rbon.api;

import dev.rbon.RbonConfig;
import dev.rbon.select.HedgeTune;
import dev.rbon.select.Method;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** POST /v1/tune: HedgeTune on the client's calibration pools. Pure arithmetic: no model, no worker. */
@Path("/v1")
@Tag(name = "decoding")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class TuneResource {

    /** The rules HedgeTune has a one-parameter family for. */
    private static final List<Method> TUNABLE = List.of(Method.BON, Method.SOFT_BON, Method.BOP);

    private final RbonConfig.Limits limits;

    public TuneResource(RbonConfig config) {
        this.limits = config.limits();
    }

    @POST
    @Path("/tune")
    @Operation(operationId = "tune", summary = "The parameter of bon, soft_bon or bop at the hacking threshold",
            description = "HedgeTune (Khalaf et al. 2025): from pools of candidates scored by the proxy reward "
                    + "model and a gold judge, the parameter past which optimising the proxy harder lowers the gold "
                    + "score: the root of E[r_gold(u) psi(u, theta)], psi the score function of the method's "
                    + "selection distribution, by bisection. See docs/methods.md.")
    @APIResponse(responseCode = "200", description = "The parameter and the expected gold there",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = TuneResponse.class)))
    @ProblemResponses
    public TuneResponse tune(TuneRequest request) {
        TuneRequest r = RequestValidation.requireBody(request);
        RequestValidation v = new RequestValidation(limits);
        Method method = tunable(v, r.method());
        List<HedgeTune.Pool> pools = pools(v, r.pools(), limits.maxN());
        v.throwIfAny();
        HedgeTune.Result result = HedgeTune.tune(method, pools);
        return new TuneResponse(method.wireName(), result.parameter(), result.predictedGold());
    }

    private static Method tunable(RequestValidation v, String name) {
        if (name == null) {
            v.fail("method", "is required: one of bon, soft_bon, bop");
            return null;
        }
        Method method = v.method(name);
        if (method != null && !TUNABLE.contains(method)) {
            v.fail("method", "HedgeTune tunes bon, soft_bon and bop, not " + name);
        }
        return method;
    }

    /** Each pool at most rbon.limits.max-n candidates: a pool the service could sample, and bounded work. */
    private static List<HedgeTune.Pool> pools(RequestValidation v, List<TuneRequest.Pool> pools, int maxN) {
        if (pools == null || pools.isEmpty()) {
            v.fail("pools", "must hold at least one pool");
            return List.of();
        }
        List<HedgeTune.Pool> read = new ArrayList<>();
        for (int k = 0; k < pools.size(); k++) {
            TuneRequest.Pool pool = pools.get(k);
            String at = "pools[" + k + "]";
            if (pool == null) {
                v.fail(at, "must be an object with rewards and gold");
                continue;
            }
            double[] rewards = finite(v, at + ".rewards", pool.rewards());
            double[] gold = finite(v, at + ".gold", pool.gold());
            if (rewards != null && rewards.length > maxN) {
                v.fail(at + ".rewards", "at most " + maxN + " candidates (rbon.limits.max-n), got " + rewards.length);
            } else if (rewards != null && gold != null && rewards.length != gold.length) {
                v.fail(at + ".gold", "must hold as many scores as rewards (" + rewards.length + "), got "
                        + gold.length);
            } else if (rewards != null && gold != null) {
                read.add(new HedgeTune.Pool(rewards, gold));
            }
        }
        return read;
    }

    /** A non-empty list of finite numbers, else null with the refusal recorded. */
    private static double[] finite(RequestValidation v, String field, List<Double> values) {
        if (values == null || values.isEmpty()) {
            v.fail(field, "must hold at least one number");
            return null;
        }
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            Double x = values.get(i);
            if (x == null || !Double.isFinite(x)) {
                v.fail(field + "[" + i + "]", "must be a finite number, got " + x);
                return null;
            }
            out[i] = x;
        }
        return out;
    }
}
