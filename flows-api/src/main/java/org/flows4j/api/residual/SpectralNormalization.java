package org.flows4j.api.residual;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Doubles;
import java.util.List;

/**
 * Each weight is used as {@code W / max(1, σ(W)/coeff)}, σ estimated by power iteration with persistent vectors;
 * the estimate is refreshed after every optimizer step until it moves less than {@code tolerance} (relative), at
 * most {@code maxIterations} times. For convolutions the iteration runs on the convolution operator itself.
 *
 * <p>{@code orders} chooses the norms (the official code's {@code --vnorms}; Behrmann et al.'s induced mixed norms):
 * empty means the spectral norm everywhere (every order 2). Otherwise it has one order per boundary between the
 * branch's linear maps, {@code p₀, p₁, …, p_k} for k maps, and map i is bounded in the induced norm
 * {@code ‖W‖_{p_i → p_{i+1}} = max ‖Wx‖_{p_{i+1}} / ‖x‖_{p_i}}; activations are 1-Lipschitz in every p-norm, so
 * {@code Lip(g) ≤ coeff^k} in {@code ‖·‖_{p₀}} and the block is a contraction there, which needs
 * {@code p_k = p₀} (checked with the flow). σ then comes from the generalised power method the official code uses
 * (Higham's, as in QETLAB's InducedMatrixNorm): {@code v ← dual_p(Wᵀu)}, {@code u ← dual_q(Wv)}, {@code σ = uᵀWv},
 * a lower bound of the norm that the iteration drives to a local maximum. Because a local maximum can sit below the
 * norm (on a 3×3 convolution operator, 2 → 3 channels, it stopped 4 % below), the thorough refresh the trainer runs
 * at start-up and before every evaluation also restarts the method from 10 random points and keeps the largest σ,
 * as the official {@code InducedNormLinear}/{@code InducedNormConv2d} do at initialisation (ours repeats it at every
 * thorough refresh, theirs only once). Orders work on MLP and conv branches (for convolutions the method runs on
 * the operator at the input's size, as the official code's k×k case). Orders must be finite and above 1 (the
 * official code's exact forms for ‖·‖₁ domains and ‖·‖_∞ codomains are not implemented).
 *
 * <p>{@code learnedOrders} is the official {@code --learn-p} (off by default, as there). Each of the branch's k
 * maps gets a raw scalar {@code r_i}, initialised to 0, and the orders are {@code p_i = asym_squash(r_i)} with the
 * official {@code asym_squash(r) = 2·tanh(−leaky_elu(0.5493061829986572 − r)) + 3}, {@code leaky_elu(z) = 0.3z +
 * 0.7·elu(z)}: every order starts at 2 and stays in (1, 5). Map i goes from {@code p_i} to {@code p_{(i+1) mod k}}
 * (the official {@code _codomains = _domains[1:] + [_domains[0]]}), so the branch starts and ends in one norm. The
 * likelihood gives the raw orders no gradient: the forward pass uses σ = uᵀWv with u, v fixed, and the orders
 * enter only the power iteration, which the official code runs under {@code torch.no_grad()}
 * ({@code compute_weight}). Their gradient comes from a second objective, the official {@code compute_p_grads}
 * ({@code train_img.py}): the mean over every learned-order map of the model of one generalised power step from
 * the stored vectors with u, v and W held fixed ({@code compute_one_iter}: {@code u' = dual_q(Wv)},
 * {@code v' = dual_p(Wᵀu')}, {@code σ' = u'ᵀWv'}), differentiated with respect to the raw orders and added to their
 * (zero) likelihood gradient after global-norm clipping, so the shared optimizer lowers the maps' induced norms,
 * the factor each weight is divided by. A non-finite order gradient counts as zero (the official code drops a NaN
 * one). Departures: the image script's form is used (per-map orders, objective weight 1, from the first step);
 * {@code train_toy.py}'s one shared order, its weight 0.01 and its wait until annealing ends are not offered. Learned
 * orders replace fixed ones (the official code ignores {@code --vnorms} with {@code --learn-p}), so
 * {@code orders} must then be empty.
 *
 * @param coeff the bound on each layer's Lipschitz constant; must be in (0, 1) for the block to be invertible
 *     (checked when the flow is built, with the other rules)
 */
public record SpectralNormalization(double coeff, double tolerance, int maxIterations, List<Double> orders,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean learnedOrders) {
  /** The value injected when JSON has no {@code "learnedOrders"} (specs saved before the option existed). */
  public static final String DEFAULT_LEARNED_ORDERS = "flows4j.learnedOrders";

  public SpectralNormalization {
    Preconditions.checkArgument(coeff > 0 && Double.isFinite(coeff),
        "lipschitzCoeff must be positive and finite, but was %s", coeff);
    Preconditions.checkArgument(tolerance > 0, "tolerance must be positive, but was %s", tolerance);
    Preconditions.checkArgument(maxIterations >= 1, "maxIterations must be at least 1, but was %s",
        maxIterations);
    orders = ImmutableList.copyOf(orders);
    for (int i = 0; i < orders.size(); i++) {
      Double p = orders.get(i);
      Preconditions.checkArgument(p > 1 && Double.isFinite(p),
          "norm orders must be finite and greater than 1, but orders[%s] was %s", Integer.valueOf(i), p);
    }
    Preconditions.checkArgument(!learnedOrders || orders.isEmpty(),
        "learned orders start at 2 (as the official --learn-p, which ignores --vnorms), so orders must be empty, "
            + "but were %s", orders);
  }

  @JsonCreator
  static SpectralNormalization fromJson(@JsonProperty("coeff") double coeff,
      @JsonProperty("tolerance") double tolerance, @JsonProperty("maxIterations") int maxIterations,
      @JsonProperty("orders") List<Double> orders,
      @JacksonInject(DEFAULT_LEARNED_ORDERS) @JsonProperty("learnedOrders") boolean learnedOrders) {
    return new SpectralNormalization(coeff, tolerance, maxIterations, orders, learnedOrders);
  }

  /** Fixed orders (or none: spectral norms). */
  public SpectralNormalization(double coeff, double tolerance, int maxIterations, List<Double> orders) {
    this(coeff, tolerance, maxIterations, orders, false);
  }

  /** Spectral norms (every order 2). */
  public SpectralNormalization(double coeff, double tolerance, int maxIterations) {
    this(coeff, tolerance, maxIterations, List.of());
  }

  /** The Residual Flows defaults: coeff 0.98, tolerance 1e-3, at most 20 iterations per update, spectral norms. */
  public static SpectralNormalization defaults() {
    return new SpectralNormalization(0.98, 1e-3, 20);
  }

  public SpectralNormalization withCoeff(double newCoeff) {
    return new SpectralNormalization(newCoeff, tolerance, maxIterations, orders, learnedOrders);
  }

  /** These settings with induced mixed norms of the given orders, {@code p₀ … p_k} (see the class comment). */
  public SpectralNormalization withOrders(double... newOrders) {
    Preconditions.checkNotNull(newOrders, "orders");
    return new SpectralNormalization(coeff, tolerance, maxIterations, Doubles.asList(newOrders));
  }

  /** These settings with learned orders (the official {@code --learn-p}; see the class comment), all starting at 2. */
  public SpectralNormalization withLearnedOrders() {
    return new SpectralNormalization(coeff, tolerance, maxIterations, List.of(), true);
  }
}
