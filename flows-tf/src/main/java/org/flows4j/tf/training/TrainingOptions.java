package org.flows4j.tf.training;

import com.google.common.base.Preconditions;

/**
 * How to train. Build with {@link #builder()}; the defaults follow Glow / RealNVP practice: Adam with
 * {@code lr = 1e-3}, {@code β = (0.9, 0.999)}, {@code ε = 1e-8}, no warm-up, constant rate, no clipping, no
 * accumulation, no EMA, and training stops after 10 consecutive non-finite steps.
 *
 * @param warmupSteps optimizer steps of linear warm-up from 0 to the base rate (0: none)
 * @param totalSteps the step at which a cosine schedule reaches zero (ignored by CONSTANT)
 * @param clipNorm global-norm gradient clipping threshold; {@code Double.POSITIVE_INFINITY} disables it
 * @param accumulationSteps batches whose gradients are averaged into one update (1: no accumulation)
 * @param emaDecay decay of the Polyak average of the weights used for evaluation, sampling and export (0: off)
 * @param maxConsecutiveBadSteps how many non-finite steps in a row stop training
 * @param seed seeds the initial weights and the dequantization noise
 * @param evaluationBatch rows per evaluation pass (default 512): with K importance samples, {@code
 *     evaluationBatch / K} examples are tiled K times. Lower it for memory-hungry models, such as Flow++'s
 *     attention at full resolution, whose memory grows with the batch times the square of the pixel count
 * @param xla compile the trainer's graph with XLA's JIT ({@code ConfigProto} global JIT level ON_1; off by
 *     default). On CPU, TensorFlow only clusters for XLA when the process's environment also has {@code
 *     TF_XLA_FLAGS=--tf_xla_cpu_global_jit}. Whether it pays depends on the model: see the README's benchmark
 *     section for measured figures
 */
public record TrainingOptions(
    Optimizer optimizer,
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    int warmupSteps,
    LearningRateSchedule schedule,
    long totalSteps,
    double clipNorm,
    int accumulationSteps,
    double emaDecay,
    int maxConsecutiveBadSteps,
    long seed,
    int evaluationBatch,
    boolean xla) {

  public TrainingOptions {
    Preconditions.checkNotNull(optimizer, "optimizer");
    Preconditions.checkNotNull(schedule, "schedule");
    Preconditions.checkArgument(learningRate > 0 && Double.isFinite(learningRate),
        "learningRate must be positive and finite, but was %s", learningRate);
    Preconditions.checkArgument(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), but was %s", beta1);
    Preconditions.checkArgument(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), but was %s", beta2);
    Preconditions.checkArgument(epsilon > 0, "epsilon must be positive, but was %s", epsilon);
    Preconditions.checkArgument(warmupSteps >= 0, "warmupSteps must be >= 0, but was %s", warmupSteps);
    Preconditions.checkArgument(schedule != LearningRateSchedule.COSINE || totalSteps > warmupSteps,
        "a cosine schedule needs totalSteps > warmupSteps, but totalSteps was %s and warmupSteps %s", totalSteps,
        warmupSteps);
    Preconditions.checkArgument(clipNorm > 0, "clipNorm must be positive (infinity disables it), but was %s",
        clipNorm);
    Preconditions.checkArgument(accumulationSteps >= 1, "accumulationSteps must be at least 1, but was %s",
        accumulationSteps);
    Preconditions.checkArgument(emaDecay >= 0 && emaDecay < 1, "emaDecay must be in [0, 1), but was %s",
        emaDecay);
    Preconditions.checkArgument(maxConsecutiveBadSteps >= 1,
        "maxConsecutiveBadSteps must be at least 1, but was %s", maxConsecutiveBadSteps);
    Preconditions.checkArgument(evaluationBatch >= 1, "evaluationBatch must be at least 1, but was %s",
        evaluationBatch);
  }

  public static TrainingOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .optimizer(optimizer).learningRate(learningRate).betas(beta1, beta2).epsilon(epsilon)
        .warmupSteps(warmupSteps).schedule(schedule).totalSteps(totalSteps).clipNorm(clipNorm)
        .accumulationSteps(accumulationSteps).emaDecay(emaDecay).maxConsecutiveBadSteps(maxConsecutiveBadSteps)
        .seed(seed).evaluationBatch(evaluationBatch).xla(xla);
  }

  public TrainingOptions withLearningRate(double newLearningRate) {
    return toBuilder().learningRate(newLearningRate).build();
  }

  public TrainingOptions withSeed(long newSeed) {
    return toBuilder().seed(newSeed).build();
  }

  public boolean usesEma() {
    return emaDecay > 0;
  }

  /** Builder for {@link TrainingOptions}; arguments are checked by {@link #build()}. */
  public static final class Builder {
    private Optimizer optimizer = Optimizer.ADAM;
    private double learningRate = 1e-3;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private int warmupSteps;
    private LearningRateSchedule schedule = LearningRateSchedule.CONSTANT;
    private long totalSteps;
    private double clipNorm = Double.POSITIVE_INFINITY;
    private int accumulationSteps = 1;
    private double emaDecay;
    private int maxConsecutiveBadSteps = 10;
    private long seed;
    private int evaluationBatch = 512;
    private boolean xla;

    private Builder() {}

    public Builder optimizer(Optimizer value) {
      this.optimizer = Preconditions.checkNotNull(value, "optimizer");
      return this;
    }

    public Builder learningRate(double value) {
      this.learningRate = value;
      return this;
    }

    public Builder betas(double newBeta1, double newBeta2) {
      this.beta1 = newBeta1;
      this.beta2 = newBeta2;
      return this;
    }

    public Builder epsilon(double value) {
      this.epsilon = value;
      return this;
    }

    public Builder warmupSteps(int value) {
      this.warmupSteps = value;
      return this;
    }

    public Builder schedule(LearningRateSchedule value) {
      this.schedule = Preconditions.checkNotNull(value, "schedule");
      return this;
    }

    public Builder totalSteps(long value) {
      this.totalSteps = value;
      return this;
    }

    public Builder clipNorm(double value) {
      this.clipNorm = value;
      return this;
    }

    public Builder accumulationSteps(int value) {
      this.accumulationSteps = value;
      return this;
    }

    public Builder emaDecay(double value) {
      this.emaDecay = value;
      return this;
    }

    public Builder maxConsecutiveBadSteps(int value) {
      this.maxConsecutiveBadSteps = value;
      return this;
    }

    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    public Builder evaluationBatch(int value) {
      this.evaluationBatch = value;
      return this;
    }

    /** XLA JIT compilation of the training graph (see {@link TrainingOptions#xla()}). */
    public Builder xla(boolean value) {
      this.xla = value;
      return this;
    }

    public TrainingOptions build() {
      return new TrainingOptions(optimizer, learningRate, beta1, beta2, epsilon, warmupSteps, schedule, totalSteps,
          clipNorm, accumulationSteps, emaDecay, maxConsecutiveBadSteps, seed, evaluationBatch, xla);
    }
  }
}
