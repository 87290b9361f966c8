package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.testing.NullPointerTester;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.testing.NullChecks;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.DataSources;
import org.flows4j.tf.data.Images;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.Replication;
import org.flows4j.tf.training.RunOptions;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A null argument to the public training, data and export API fails at once with a {@link NullPointerException},
 * not later, half-way through building a graph or a run. Guava's {@link NullPointerTester} passes null to every
 * parameter not marked {@code @Nullable} of every public static method and constructor of the public classes of
 * {@code org.flows4j.tf.training}, {@code .data} and {@code .export} (found by scanning, so a new one cannot be
 * forgotten), and of every method of the builders and of a live {@link Trainer}, one parameter at a time. flows-api
 * has the same test over the DSL ({@code org.flows4j.api.PublicApiNullsTest}); both run the sweep of
 * {@link NullChecks}, from flows-api's test jar.
 */
class TrainingApiNullsTest {
  private static final Shape VECTOR = Shape.of(2);
  private static final FlowSpec SPEC = Presets.realNvp(VECTOR).couplings(2).width(4).build();
  private static final Set<String> PACKAGES = Set.of("org.flows4j.tf.training", "org.flows4j.tf.data",
      "org.flows4j.tf.export");

  @TempDir Path dir;

  private static org.tensorflow.Graph graph;
  private static org.tensorflow.Session session;
  private static LikelihoodModel<?> model;

  @org.junit.jupiter.api.BeforeAll
  static void graph() {
    graph = new org.tensorflow.Graph();
    session = new org.tensorflow.Session(graph);
    model = FlowCompiler.compileModel(org.tensorflow.op.Ops.create(graph), SPEC, 1);
  }

  @org.junit.jupiter.api.AfterAll
  static void closeGraph() {
    session.close();
    graph.close();
  }

  private NullPointerTester tester(Trainer trainer) {
    float[] points = new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    // Numbers get values every rule accepts, so the null check is what answers, not a range check before it.
    return new NullPointerTester()
        .setDefault(int.class, 3)
        .setDefault(long.class, 3L)
        .setDefault(double.class, 0.5)
        .setDefault(float[].class, points)
        .setDefault(Shape.class, VECTOR)
        .setDefault(FlowSpec.class, SPEC)
        .setDefault(Path.class, dir.resolve("nothing-here"))
        .setDefault(TrainingOptions.class, TrainingOptions.defaults())
        .setDefault(RunOptions.class, RunOptions.builder().steps(1).build())
        .setDefault(DataSource.class, DataSources.ofArray(points, VECTOR))
        .setDefault(TrainingRun.HeldOut.class, new TrainingRun.HeldOut(points, 3))
        .setDefault(ConditionalBatch.class, new ConditionalBatch(points, new float[] {0, 1, 0}, 3))
        .setDefault(Images.class, new Images(new float[16], 1, Shape.of(4, 4, 1)))
        .setDefault(TrainingListener.class, new TrainingListener() {})
        .setDefault(Replication.class, Replication.none())
        .setDefault(Trainer.class, trainer)
        .setDefault(ImportanceSamples.class, ImportanceSamples.of(2))
        .setDefault(org.tensorflow.Graph.class, graph)
        .setDefault(org.tensorflow.Session.class, session)
        .setDefault(LikelihoodModel.class, model);
  }

  @Test
  void everyPublicStaticMethodAndConstructorRejectsNull() {
    // TrainerState, what a checkpoint's trainer.json is read into, is package-private: a missing field there is a
    // damaged file, reported as such, not a caller's null.
    List<Class<?>> classes = NullChecks.publicClasses(Trainer.class, PACKAGES);
    assertThat(classes).as("the scan found the API").contains(Trainer.class, TrainingOptions.class,
        RunOptions.class, RunOptions.Builder.class, TrainingRun.HeldOut.class, DataSources.class, FlowModel.class);

    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.defaults())) {
      assertThat(NullChecks.staticMethodsAndConstructors(tester(trainer), classes)).isEmpty();
    }
  }

  @Test
  void everyBuilderAndTrainerMethodRejectsNull() {
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.defaults())) {
      List<Object> instances = List.of(TrainingOptions.builder(), TrainingOptions.defaults(), RunOptions.builder(),
          RunOptions.builder().steps(1).build(), trainer);

      assertThat(NullChecks.instanceMethods(tester(trainer), instances)).isEmpty();
    }
  }

  @Test
  void theExceptionNamesTheParameter() {
    assertThatThrownBy(() -> Trainer.create(null, TrainingOptions.defaults()))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("spec");
    assertThatThrownBy(() -> Trainer.create(SPEC, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("options");
    assertThatThrownBy(() -> RunOptions.builder().checkpointDirectory(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("checkpointDirectory");
  }
}
