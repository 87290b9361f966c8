package org.flows4j.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.data.DataSources;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.RunOptions;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun;

/**
 * flows4j as a library, from Java: declare a RealNVP, train it on your own in-memory points with a held-out set
 * and a listener, export a SavedModel, load it back with {@link FlowModel} and score it. The README's "Using flows4j
 * as a library" shows this file verbatim (a test keeps them identical).
 *
 * <p>Run: {@code java -cp … org.flows4j.examples.LibraryExample [steps] [output folder]}.
 */
public final class LibraryExample {
  private LibraryExample() {}

  /** Held-out NLL (nats per example) before and after training, and as the reloaded model scores it. */
  public record Outcome(double nllBefore, double nllAfter, double nllReloaded) {}

  public static void main(String[] args) {
    long steps = args.length > 0 ? Long.parseLong(args[0]) : 2000;
    Path out = Path.of(args.length > 1 ? args[1] : "out/library-example");
    Outcome outcome = run(steps, out);
    System.out.printf("held-out NLL: %.4f nats before training, %.4f after, %.4f from the reloaded model%n",
        outcome.nllBefore(), outcome.nllAfter(), outcome.nllReloaded());
  }

  public static Outcome run(long steps, Path out) {
    // Your data: n points of D = 2 floats each, row-major: point i is (values[2i], values[2i + 1]).
    float[] train = noisyRing(4096, 1);
    float[] heldOut = noisyRing(1000, 2);
    Shape shape = Shape.of(2);

    // RealNVP: 6 × (actNorm, affine coupling with an MLP conditioner), the masks alternating.
    FlowSpec spec = Flows.sequential(shape)
        .stepsIndexed(6, (i, step) -> step.actNorm()
            .affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), Conditioners.mlp(64, 64)))
        .build();

    TrainingOptions training = TrainingOptions.builder().learningRate(3e-3).seed(0).build();
    RunOptions run = RunOptions.builder()
        .steps(steps)
        .batchSize(256)
        .evaluateEvery((int) Math.max(1, steps / 4))
        .build();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void onEvaluation(Evaluation evaluation) {
        System.out.printf("step %d: held-out NLL %.4f nats%n", evaluation.step(),
            evaluation.negativeLogLikelihood());
      }
    };

    Path savedModel = out.resolve("saved_model");
    double before;
    double after;
    try (Trainer trainer = Trainer.create(spec, training)) {
      before = trainer.evaluate(heldOut, 1000).negativeLogLikelihood();
      // Batch i of a data source is a pure function of i, so a resumed run sees the same batches.
      List<Evaluation> evaluations = TrainingRun.run(trainer, DataSources.ofArray(train, shape, 0),
          new TrainingRun.HeldOut(heldOut, 1000), run, listener);
      after = evaluations.get(evaluations.size() - 1).negativeLogLikelihood();
      trainer.exportSavedModel(savedModel);
    }

    // A serving process needs only the SavedModel folder.
    try (FlowModel model = FlowModel.load(savedModel)) {
      float[] logProb = model.logProb(heldOut, 1000); // log p(x) in nats, one per point
      double sum = 0;
      for (float value : logProb) {
        sum += value;
      }
      float[] samples = model.sample(5, 1.0, 42L); // 5 points, row-major [5, 2]
      float[] z = model.encode(samples, 5);        // latents [5, 2]
      float[] back = model.decode(z, 5);           // the points again, up to float round-off
      System.out.printf("sample 0: (%.3f, %.3f) -> z (%.3f, %.3f) -> (%.3f, %.3f)%n",
          samples[0], samples[1], z[0], z[1], back[0], back[1]);
      return new Outcome(before, after, -sum / 1000);
    }
  }

  /** Points on a circle of radius 2 with Gaussian noise of 0.2: {@code n} rows of (x, y). */
  static float[] noisyRing(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[2 * n];
    for (int i = 0; i < n; i++) {
      double angle = 2 * Math.PI * random.nextDouble();
      values[2 * i] = (float) (2 * Math.cos(angle) + 0.2 * random.nextGaussian());
      values[2 * i + 1] = (float) (2 * Math.sin(angle) + 0.2 * random.nextGaussian());
    }
    return values;
  }
}
