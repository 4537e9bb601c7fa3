package dev.rbon.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** POST /v1/tune: calibration pools with proxy rewards and gold scores. */
@Schema(description = "Find the parameter of bon (n), soft_bon (lambda) or bop (mu) at the reward-hacking threshold "
        + "from calibration pools (HedgeTune, Khalaf et al. 2025).")
public record TuneRequest(
        @Schema(description = "The method to tune.", required = true, enumeration = {"bon", "soft_bon", "bop"})
                String method,
        @Schema(description = "Calibration pools: each the candidates of one prompt, sampled from the policy, with "
                + "the proxy reward model's rewards and a gold judge's scores, in the same order.", required = true)
                List<Pool> pools) {

    /** One prompt's candidates. */
    @Schema(name = "TunePool")
    public record Pool(
            @Schema(description = "Each candidate's proxy reward (the reward model's).", required = true)
                    List<Double> rewards,
            @Schema(description = "Each candidate's gold score (a trusted judge's), as many as rewards.",
                    required = true) List<Double> gold) {}
}
