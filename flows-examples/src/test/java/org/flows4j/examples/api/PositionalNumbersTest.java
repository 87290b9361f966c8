package org.flows4j.examples.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.reflect.ClassPath;
import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.flows4j.api.Flows;
import org.flows4j.examples.LibraryExample;
import org.flows4j.tf.training.Trainer;
import org.junit.jupiter.api.Test;

/**
 * No public method or constructor of flows-api, flows-tf or flows-examples takes two adjacent whole numbers
 * ({@code int}, {@code long} or their boxes), which a caller can swap without an error: {@code realNvp(shape, 64, 4)}
 * for {@code realNvp(shape, 4, 64)} compiles and trains the wrong model. Named settings (builders, small parameter
 * records such as {@code KernelSize}) are the API instead.
 *
 * <p>The scan covers every public class (nested ones too) of the three modules' main classes, found on the class path,
 * so a new signature cannot slip past. The spec records' canonical constructors are public by language rule; they
 * are the JSON mapping, not the API (the builders are), and those that still pair two numbers are listed in
 * {@link #ALLOWED}, each with why.
 */
class PositionalNumbersTest {
  /**
   * Signatures allowed to keep two adjacent numbers, as {@code Class#member(types)}; each says why. Keep it short:
   * a new entry needs a reason a reviewer accepts.
   */
  private static final Set<String> ALLOWED = Set.of(
      // Spec records: their canonical constructors are public by language rule and are the JSON mapping (component
      // names are the JSON fields of saved specs and checkpoints, so they cannot be regrouped without breaking old
      // files). The API is the builders: Conditioners.convNet(w).kernelSize(k), flowPlusPlus(w).blocks(b).heads(h),
      // pixelCnn(w).layers(n), Contexts.classes(K).embedding(e).
      "org.flows4j.api.conditioner.AttentionConvNetConditioner#<init>(int, int, int, double, boolean, boolean, "
          + "ConvWeights)",
      "org.flows4j.api.conditioner.ConvNetConditioner#<init>(int, int, Activation, boolean)",
      "org.flows4j.api.conditioner.PixelCnnConditioner#<init>(int, int, int, Activation, boolean)",
      "org.flows4j.api.context.ClassContext#<init>(int, int, ContextEncoder)",
      // The same for the training options: the record is what trainer.json stores; TrainingOptions.builder() is the
      // API (README: "RunOptions and TrainingOptions").
      "org.flows4j.tf.training.TrainingOptions#<init>(Optimizer, double, double, double, double, int, "
          + "LearningRateSchedule, long, double, int, double, int, long, int, boolean)",
      // A value the compiler makes for each compiled step and user code only reads (its toString is
      // "levels[0].steps[2] (actNorm)"); never built by a user.
      "org.flows4j.tf.StepLocation#<init>(String, int, int, String)",
      // DataSource.batch(long index, int size) is the one method a user implements; its two numbers have different
      // types, so batch(size, index) with a long index does not compile, and the README states their meaning
      // ("What the arrays hold"). Changing the interface would break every user's data source.
      "org.flows4j.tf.data.DataSource#batch(long, int)",
      "org.flows4j.tf.data.ConditionalDataSource#batch(long, int)",
      "org.flows4j.tf.data.ConditionalToyDataSource#batch(long, int)",
      "org.flows4j.tf.data.ImageDataSource#batch(long, int)",
      "org.flows4j.tf.data.ToyDataSource#batch(long, int)");

  /**
   * The compiler's internals: public in Java only because the compiler in {@code org.flows4j.tf} builds them across
   * packages; their package docs and the README ("Where the classes live") say they are not API and may change.
   */
  private static final Set<String> INTERNAL_PACKAGES = Set.of("org.flows4j.tf.layers", "org.flows4j.tf.residual",
      "org.flows4j.tf.gradients");

  private static final Set<Class<?>> NUMBERS = Set.of(int.class, long.class, Integer.class, Long.class);

  @Test
  void noPublicSignatureTakesTwoAdjacentWholeNumbers() throws IOException {
    List<Class<?>> classes = publicMainClasses();
    assertThat(classes).as("the scan found all three modules")
        .contains(Flows.class, Trainer.class, LibraryExample.class);

    Set<String> offenders = new TreeSet<>();
    for (Class<?> type : classes) {
      if (INTERNAL_PACKAGES.contains(type.getPackageName())) {
        continue;
      }
      Stream.concat(Arrays.stream(type.getDeclaredMethods()), Arrays.stream(type.getDeclaredConstructors()))
          .filter(member -> Modifier.isPublic(member.getModifiers()) && !member.isSynthetic())
          .filter(PositionalNumbersTest::hasAdjacentNumbers)
          .map(PositionalNumbersTest::describe)
          .forEach(offenders::add);
    }

    assertThat(offenders).as("public signatures with two adjacent int/long parameters (use named settings, or add "
        + "the signature to ALLOWED with a reason)").isSubsetOf(ALLOWED);
    assertThat(ALLOWED).as("allowlist entries that no longer exist (remove them)").isSubsetOf(offenders);
  }

  private static boolean hasAdjacentNumbers(Executable member) {
    Class<?>[] types = member.getParameterTypes();
    for (int i = 1; i < types.length; i++) {
      if (NUMBERS.contains(types[i - 1]) && NUMBERS.contains(types[i])) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Executable member) {
    String name = member.getDeclaringClass().getName() + "#"
        + (member instanceof java.lang.reflect.Constructor<?> ? "<init>" : member.getName());
    return name + Arrays.stream(member.getParameterTypes()).map(Class::getSimpleName)
        .collect(Collectors.joining(", ", "(", ")"));
  }

  /** Public classes, nested ones included, of the three modules' main code (not their tests). */
  private static List<Class<?>> publicMainClasses() throws IOException {
    List<Class<?>> out = new ArrayList<>();
    for (ClassPath.ClassInfo info : ClassPath.from(PositionalNumbersTest.class.getClassLoader())
        .getTopLevelClassesRecursive("org.flows4j")) {
      Class<?> type = info.load();
      String location = String.valueOf(type.getProtectionDomain().getCodeSource().getLocation());
      if (location.contains("test-classes")) {
        continue;
      }
      addPublic(type, out);
    }
    return out;
  }

  private static void addPublic(Class<?> type, List<Class<?>> out) {
    if (!Modifier.isPublic(type.getModifiers())) {
      return;
    }
    out.add(type);
    for (Class<?> nested : type.getDeclaredClasses()) {
      addPublic(nested, out);
    }
  }
}
