package org.flows4j.tf.gradients;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/** Evaluation helpers for the tests of this package. */
final class TfTestSupport {

  private TfTestSupport() {}

  /** Runs the fetches (float64 or float32) and returns their values, row-major, as doubles. */
  static List<double[]> eval(Session s, Operand<?>... fetches) {
    Session.Runner r = s.runner();
    for (Operand<?> f : fetches) {
      r.fetch(f);
    }
    try (Result result = r.run()) {
      List<double[]> out = new ArrayList<>();
      for (int i = 0; i < fetches.length; i++) {
        out.add(values(result.get(i)));
      }
      return out;
    }
  }

  /** Runs one fetch and returns its values. */
  static double[] eval1(Session s, Operand<?> fetch) {
    return eval(s, fetch).get(0);
  }

  static double[] values(Tensor t) {
    int n = (int) t.shape().size();
    double[] v = new double[n];
    if (t instanceof TFloat64 d) {
      d.copyTo(DataBuffers.of(v, false, false));
    } else if (t instanceof TFloat32 f) {
      float[] fv = new float[n];
      f.copyTo(DataBuffers.of(fv, false, false));
      for (int i = 0; i < n; i++) {
        v[i] = fv[i];
      }
    } else {
      throw new IllegalArgumentException("not a float tensor: " + t.dataType());
    }
    return v;
  }

  static double maxAbsDiff(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
