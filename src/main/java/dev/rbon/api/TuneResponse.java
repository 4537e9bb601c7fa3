package dev.rbon.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The parameter at the hacking threshold and the gold expected there. */
public record TuneResponse(
        @Schema(description = "The method tuned.") String method,
        @Schema(description = "n for bon (a real number: round down to serve it), lambda for soft_bon, mu for bop; "
                + "send it as beta (soft_bon, bop) or n (bon).") double parameter,
        @Schema(description = "The expected gold score of the method at that parameter over the pools.")
                double predictedGold) {}
