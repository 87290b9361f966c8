package org.flows4j.tf.export;

import java.nio.file.Path;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * Run in a child JVM by {@link AtomicExportTest}: exports a small model to the given folder over and over, printing
 * a line after each, until the test kills it at some moment in the middle of one.
 */
public final class ExportLoop {
  private ExportLoop() {}

  public static void main(String[] args) {
    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(4).width(16).build(), TrainingOptions.defaults())) {
      for (int i = 0; ; i++) {
        trainer.exportSavedModel(Path.of(args[0]));
        System.out.println("exported " + i);
        System.out.flush();
      }
    }
  }
}
