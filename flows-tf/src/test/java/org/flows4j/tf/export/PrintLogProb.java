package org.flows4j.tf.export;

import java.nio.file.Files;
import java.nio.file.Path;

/** Run in a child JVM by {@link SavedModelExportTest}: loads a model and prints log_prob of the given data. */
public final class PrintLogProb {
  private PrintLogProb() {}

  public static void main(String[] args) throws Exception {
    String[] fields = Files.readString(Path.of(args[1])).trim().split(",");
    float[] x = new float[fields.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = Float.parseFloat(fields[i]);
    }
    try (FlowModel model = FlowModel.load(Path.of(args[0]))) {
      int n = x.length / model.spec().inputShape().size();
      StringBuilder out = new StringBuilder("LOGPROB");
      for (float v : model.logProb(x, n)) {
        out.append(' ').append(Float.floatToIntBits(v));
      }
      System.out.println(out);
    }
  }
}
