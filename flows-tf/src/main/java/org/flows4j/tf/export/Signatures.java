package org.flows4j.tf.export;

/**
 * The names of an exported flow's signatures, inputs and outputs: the contract with serving clients.
 *
 * <p>A conditional flow (a spec with a context) takes one more input in each signature: {@link #C}, the contexts
 * {@code [batch, width]} float32 (the features, or the class index as a number), one row per example of {@code x}
 * or {@code z}, or per sample ({@code n} rows) in {@link #SAMPLE}. Unconditional flows' signatures have no such
 * input.
 */
public final class Signatures {
  private Signatures() {}

  /** {@code x [batch, ...shape] float32 → log_prob [batch], bits_per_dim [batch]}. */
  public static final String LOG_PROB = "log_prob";
  /**
   * {@code x [batch, ...shape] float32, samples int32 scalar → log_prob [batch], bits_per_dim [batch]}: the
   * importance-weighted bound over {@code samples} dequantization draws (the same as {@link #LOG_PROB} at 1).
   */
  public static final String LOG_PROB_IMPORTANCE_WEIGHTED = "log_prob_importance_weighted";
  /**
   * {@code x [batch, ...shape] float32, samples int32 scalar, seed int64 scalar → log_prob [batch], bits_per_dim
   * [batch]}: {@link #LOG_PROB_IMPORTANCE_WEIGHTED} with the dequantization noise drawn from {@code seed}, so a
   * caller can take K draws in chunks of draws, each chunk with its own seed, and combine them (as
   * {@code FlowModel.logProbImportanceWeighted} does when K draws do not fit in one call).
   */
  public static final String LOG_PROB_IMPORTANCE_WEIGHTED_SEEDED = "log_prob_importance_weighted_seeded";
  /**
   * {@code x, samples, first_row int64 scalar → log_prob, bits_per_dim}: {@link #LOG_PROB_IMPORTANCE_WEIGHTED} with
   * its draws placed at rows {@code first_row + i·K + k} of its noise stream (draw k of example i), so a caller
   * taking the draws in chunks (of examples, or of one example's draws) gets exactly the draws of one call
   * ({@code FlowModel.logProbImportanceWeighted} does when they do not fit in one call).
   */
  public static final String LOG_PROB_IMPORTANCE_WEIGHTED_ROWS = "log_prob_importance_weighted_rows";
  /** {@code n int32 scalar, temperature float32 scalar, seed int64 scalar → x [n, ...shape]}. */
  public static final String SAMPLE = "sample";
  /**
   * {@code n, temperature, seed, first_row int64 scalar → x [n, ...shape]}: rows {@code [first_row, first_row + n)}
   * of the samples {@code sample} draws for the seed, so samples can be drawn in chunks of any size
   * ({@code FlowModel.sample} does when n is larger than its rows per call).
   */
  public static final String SAMPLE_ROWS = "sample_rows";
  /** {@code x [batch, ...shape] → z [batch, D], log_det [batch]}. */
  public static final String ENCODE = "encode";
  /** {@code z [batch, D] → x [batch, ...shape]}. */
  public static final String DECODE = "decode";

  public static final String X = "x";
  public static final String Z = "z";
  /** The contexts of a conditional flow, {@code [batch, width]} float32; absent for unconditional flows. */
  public static final String C = "c";
  public static final String N = "n";
  public static final String TEMPERATURE = "temperature";
  public static final String SEED = "seed";
  public static final String FIRST_ROW = "first_row";
  public static final String SAMPLES = "samples";
  public static final String LOG_PROB_OUTPUT = "log_prob";
  public static final String BITS_PER_DIM = "bits_per_dim";
  public static final String LOG_DET = "log_det";

  /** The spec, as JSON, beside the model: {@code assets/flow_spec.json}. */
  public static final String SPEC_ASSET = "assets/flow_spec.json";
}
