/**
 * The selection rules of Best-of-N and Regularized Best-of-N sampling: pure Java on arrays, no DJL, no Quarkus.
 *
 * <p>Implements Jinnai et al. 2024, "Regularized Best-of-N Sampling to Mitigate Reward Hacking for Language Model
 * Alignment" (BoN, RBoN_KL, RBoN_WD, MBR, RBoN_L) and Ichihara et al. 2025, "Evaluation of Best-of-N Sampling
 * Strategies for Language Model Alignment" (SRBoN_KL, SRBoN_WD). {@link dev.rbon.select.Selector#select} is the
 * one entry point; {@link dev.rbon.select.Method} says which scores and which beta each rule needs.
 *
 * <p>rbon implements the rules as the papers state them, which differs from the authors' code in four places:
 * <ul>
 *   <li>RBoN_KL uses l_i = log pi_ref(y_i|x), the teacher-forced SUM of token log-probs; the authors' code scores
 *       every response token against one next-token distribution, which is not the sequence log-prob.</li>
 *   <li>SRBoN_KL uses p_i ∝ exp(l_i + R_i / beta) (beta is the regularisation strength); the authors' code
 *       multiplies R by beta (beta as an inverse temperature).</li>
 *   <li>SRBoN_WD uses the transport cost C_ij = 1 - S_ij (a distance); the authors' code uses the similarity S as
 *       the cost.</li>
 *   <li>RBoN_L is R_i - beta * L_i; the authors' code uses R_i - beta / L_i.</li>
 * </ul>
 */
package dev.rbon.select;
