package org.flows4j.examples.cli;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.context.ClassContext;
import org.flows4j.api.context.ContextEncoder;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.FeatureContext;
import org.flows4j.api.context.MlpEncoder;
import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;
import org.flows4j.tf.CompiledStep;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.LikelihoodModel;
import org.flows4j.tf.layers.Layer;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A compiled flow step by step: where each step sits in the spec, what it is, the shapes it maps between, its
 * parameter count and what kind of log-det and inverse it has; then the totals.
 */
final class LayerTable {
  private static final String[] HEADER = {"#", "location", "step", "input -> output", "params", "log-det",
      "inverse"};
  /** Right-aligned columns: the numbers. */
  private static final boolean[] RIGHT = {true, false, false, false, true, false, false};

  private LayerTable() {}

  /**
   * Compiles {@code spec} in a graph of its own (thrown away afterwards: only the variables' static shapes are
   * needed, so nothing runs) and renders the table.
   */
  static String render(FlowSpec spec) {
    List<String[]> rows = new ArrayList<>();
    long stepParameters = 0;
    long allParameters;
    long dequantizationParameters;
    int dequantizationSteps;
    long contextParameters;
    Map<LogDetKind, Integer> logDets = new EnumMap<>(LogDetKind.class);
    Map<InverseKind, Integer> inverses = new EnumMap<>(InverseKind.class);
    try (Graph graph = new Graph()) {
      LikelihoodModel<TFloat32> model = FlowCompiler.compileModel(Ops.create(graph), spec, 0);
      List<CompiledStep<TFloat32>> steps = model.flow().steps();
      for (int i = 0; i < steps.size(); i++) {
        Layer<TFloat32> layer = steps.get(i).layer();
        long parameters = count(layer.variables());
        stepParameters += parameters;
        String kind = layer.spec().kind();
        logDets.merge(layer.spec().logDetKind(), 1, Integer::sum);
        inverses.merge(layer.spec().inverseKind(), 1, Integer::sum);
        rows.add(new String[] {
          Integer.toString(i),
          steps.get(i).location().path(),
          kind,
          layer.inputShape() + " -> " + layer.outputShape(),
          String.format(Locale.ROOT, "%,d", parameters),
          lowerCase(layer.spec().logDetKind()),
          lowerCase(layer.spec().inverseKind())});
      }
      allParameters = count(model.trainableVariables());
      dequantizationParameters = model.dequantizer().map(d -> count(d.variables())).orElse(0L);
      dequantizationSteps = model.dequantizer().map(d -> d.steps().size()).orElse(0);
      List<Variable<TFloat32>> embedding = model.flow().auxiliaryVariableGroups().get("context embedding");
      contextParameters = embedding == null ? 0 : count(embedding);
    }
    StringBuilder text = new StringBuilder(table(rows));
    text.append(String.format(Locale.ROOT, "total: %d steps, %,d trainable parameters", rows.size(),
        allParameters));
    long baseParameters = allParameters - stepParameters - dequantizationParameters - contextParameters;
    if (allParameters != stepParameters) {
      // The steps' variables do not cover everything the optimizer trains: the rest is the learned noise q(u | x)
      // of variational dequantization and the learned base.
      text.append(String.format(Locale.ROOT, " (%,d in the steps", stepParameters));
      if (dequantizationParameters > 0) {
        text.append(String.format(Locale.ROOT, ", %,d in the dequantization flow q(u | x) of %d steps",
            dequantizationParameters, dequantizationSteps));
      }
      if (contextParameters > 0) {
        text.append(String.format(Locale.ROOT, ", %,d in the context embedding", contextParameters));
      }
      if (baseParameters > 0) {
        text.append(String.format(Locale.ROOT, ", %,d in the base distribution", baseParameters));
      }
      text.append(')');
    }
    text.append('\n');
    if (spec.context().isConditional()) {
      int features = spec.context().conditionFeatures();
      text.append("context: ").append(describe(spec.context())).append("; ").append(features)
          .append(features == 1 ? " condition feature reaches" : " condition features reach")
          .append(" every step's network\n");
    }
    text.append("log-det: ").append(summary(logDets)).append("; inverse: ").append(summary(inverses))
        .append('\n');
    text.append("latent: ").append(Flows.shapes(spec).get(Flows.shapes(spec).size() - 1))
        .append(" reaches the base ").append(spec.base().getClass().getSimpleName())
        .append(spec.levels().size() > 1 ? " after the factor-outs (routing only, not listed)" : "")
        .append('\n');
    return text.toString();
  }

  /** The context as a user declared it, e.g. "class label of 8 classes, embedded in 8 features". */
  static String describe(ContextSpec context) {
    String given = context instanceof ClassContext classes
        ? "class label of " + classes.classes() + " classes, embedded in " + classes.embeddingFeatures() + " features"
        : context.inputWidth() + " feature" + (context.inputWidth() == 1 ? "" : "s");
    ContextEncoder encoder = context instanceof ClassContext classes ? classes.encoder()
        : ((FeatureContext) context).encoder();
    if (encoder instanceof MlpEncoder mlp) {
      given += ", encoded by an MLP " + mlp.hiddenWidths() + " -> " + mlp.outputFeatures() + " ("
          + lowerCase(mlp.activation()) + ")";
    }
    return given;
  }

  private static long count(List<? extends Variable<?>> variables) {
    long total = 0;
    for (Variable<?> variable : variables) {
      total += variable.shape().size();
    }
    return total;
  }

  private static String lowerCase(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static <E extends Enum<E>> String summary(Map<E, Integer> counts) {
    return counts.entrySet().stream()
        .map(entry -> entry.getValue() + " " + lowerCase(entry.getKey()))
        .collect(Collectors.joining(", "));
  }

  private static String table(List<String[]> rows) {
    int[] widths = new int[HEADER.length];
    List<String[]> all = new ArrayList<>();
    all.add(HEADER);
    all.addAll(rows);
    for (String[] row : all) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (String[] row : all) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        String format = "%" + (RIGHT[c] ? "" : "-") + widths[c] + "s";
        line.append(String.format(format, row[c])).append(c < row.length - 1 ? "  " : "");
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }
}
