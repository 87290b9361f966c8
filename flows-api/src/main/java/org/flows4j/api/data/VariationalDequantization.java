package org.flows4j.api.data;

import com.google.common.base.Preconditions;
import java.util.Objects;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.conditioner.ConditionerSpec;

/**
 * Flow++'s variational dequantization (Ho et al. 2019, section 3.1). Pixels are reduced to {@code n = levels}
 * values {@code q} as for {@link UniformDequantization}, but the noise in each bin is drawn from a learned
 * conditional density {@code q(u | x)} on {@code (0, 1)^D} instead of the uniform one:
 *
 * <pre>
 *   c = context(x_c),  x_c = (q + ½)/n − ½                 (a conditioner network, contextFeatures out)
 *   ε ~ flow.base,  v = flow(ε; c),  u = σ(v)             (the flow's steps run forward, ε → v)
 *   log q(u | x) = log p(ε) − log|det ∂v/∂ε| − Σ log σ'(v)
 *   ELBO = E_q [log p_model((q + u)/n) − D·log n − log q(u | x)] ≤ log P(q)
 * </pre>
 *
 * Every coupling of {@code flow} receives {@code c} next to its own input. Training maximises the ELBO; evaluation
 * can report it or the importance-weighted bound {@code log (1/K) Σ_k exp(ELBO_k)}, which is tighter and tends to
 * {@code log P(q)} as K grows. The uniform dequantization is the special case {@code q(u | x) = 1}.
 *
 * @param levels values per pixel after quantisation (a power of two, 2 to 256)
 * @param flow the dequantization flow: sequential, on the data's shape, shape-preserving steps
 * @param context the network computing the condition from the pixels
 * @param contextFeatures how many features the condition has per position (channels for images)
 */
public record VariationalDequantization(int levels, FlowSpec flow, ConditionerSpec context, int contextFeatures)
    implements Dequantization {
  public VariationalDequantization {
    Objects.requireNonNull(flow, "flow");
    Objects.requireNonNull(context, "context");
    UniformDequantization.checkLevels(levels);
    Preconditions.checkArgument(contextFeatures >= 1,
        "contextFeatures must be at least 1, but was %s", contextFeatures);
  }

  /** Bits per pixel value: log2(levels). */
  public int bits() {
    return Integer.numberOfTrailingZeros(levels);
  }
}
