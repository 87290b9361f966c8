package org.flows4j.tf.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.flows4j.api.FlowSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * A real checkpoint of a flow after one training step, with the names and types of every variable it holds: what the
 * old-checkpoint tests rewrite into an earlier layout to check the message a user of that layout gets.
 */
record SavedCheckpoint(Path directory, List<String> names, List<DataType> types) {

  /** Trains {@code spec} one step on a batch of random 8-bit values ({@code examples} of {@code size} each). */
  static SavedCheckpoint afterOneStep(FlowSpec spec, int examples, int size, Path root) {
    List<String> names = new ArrayList<>();
    List<DataType> types = new ArrayList<>();
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.defaults())) {
      float[] batch = new float[examples * size];
      Random random = new Random(3);
      for (int i = 0; i < batch.length; i++) {
        batch[i] = random.nextInt(256);
      }
      trainer.step(batch, examples);
      Path directory = trainer.saveCheckpoint(root);
      Iterator<GraphOperation> operations = trainer.graph().operations();
      while (operations.hasNext()) {
        GraphOperation op = operations.next();
        // Session.save writes VariableV2 only: resource variables (solver caches) are never in a checkpoint.
        if (op.type().equals("VariableV2")) {
          names.add(op.name());
          types.add(op.output(0).dataType());
        }
      }
      return new SavedCheckpoint(directory, List.copyOf(names), List.copyOf(types));
    }
  }

  /** What one variable of the checkpoint is written back as: entries of a name and a value (none: dropped). */
  interface Rewrite {
    List<Entry> apply(Ops tf, String name, Operand<?> tensor);
  }

  /** One tensor written back into the checkpoint. */
  record Entry(String name, Operand<?> tensor) {}

  /** Reads every variable of the checkpoint and writes back, in its place, what {@code rewrite} makes of each. */
  void rewrite(Rewrite rewrite) throws IOException {
    Path prefix = directory.resolve("variables");
    Path old = prefix.resolveSibling("old");
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Restore tensors = tf.train.restore(tf.constant(prefix.toString()), tf.array(names.toArray(String[]::new)),
          tf.array(emptySlices(names.size())), tensorClasses());
      List<String> written = new ArrayList<>();
      List<Operand<?>> values = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        for (Entry entry : rewrite.apply(tf, names.get(i), tensors.tensors().get(i))) {
          written.add(entry.name());
          values.add(entry.tensor());
        }
      }
      session.runner().addTarget(tf.train.save(tf.constant(old.toString()), tf.array(written.toArray(String[]::new)),
          tf.array(emptySlices(written.size())), values)).run();
    }
    Files.move(old.resolveSibling("old.index"), prefix.resolveSibling("variables.index"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.move(old.resolveSibling("old.data-00000-of-00001"),
        prefix.resolveSibling("variables.data-00000-of-00001"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static String[] emptySlices(int count) {
    String[] slices = new String[count];
    Arrays.fill(slices, "");
    return slices;
  }

  /** The tensor classes to restore the variables as, in the order of {@link #names()}. */
  private List<Class<? extends TType>> tensorClasses() {
    List<Class<? extends TType>> classes = new ArrayList<>();
    for (DataType type : types) {
      classes.add(type == DataType.DT_DOUBLE || type == DataType.DT_DOUBLE_REF ? TFloat64.class
          : type == DataType.DT_BOOL || type == DataType.DT_BOOL_REF ? TBool.class
          : type == DataType.DT_INT64 || type == DataType.DT_INT64_REF ? TInt64.class
          : type == DataType.DT_INT32 || type == DataType.DT_INT32_REF ? TInt32.class
          : TFloat32.class);
    }
    return classes;
  }
}
