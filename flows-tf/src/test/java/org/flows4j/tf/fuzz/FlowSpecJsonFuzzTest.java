package org.flows4j.tf.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Flows;
import org.flows4j.api.InvalidFlowSpecException;
import org.flows4j.api.Presets;
import org.flows4j.api.Problem;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FlowSpecJson#fromJson} over thousands of mutations of valid specs (every preset and the DSL's step kinds,
 * with numbers swapped for edge values, strings for other type names, values for null/[]/{}, keys dropped, text
 * cut): the only thing that may escape is an {@link IllegalArgumentException} saying where (an
 * {@link InvalidFlowSpecException} whose problems each have a location, or a JSON error naming the path or line),
 * and every mutated spec it accepts must compile — in a child JVM with a bounded heap, direct memory and address
 * space, so a spec that would abort TensorFlow or exhaust memory fails this test instead of the machine.
 */
class FlowSpecJsonFuzzTest {
  private static final int MUTATIONS = 4000;
  private static final int MAX_COMPILED = 300;
  private static final Pattern NUMBER = Pattern.compile("(?<=[:\\[,] ?)-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
  private static final Pattern STRING_VALUE = Pattern.compile("(?<=: )\"[A-Za-z_]+\"");
  private static final Pattern KEY = Pattern.compile("\"[A-Za-z]+\": ");
  private static final String[] NUMBERS = {"0", "1", "2", "3", "-1", "7", "65", "1000", "2147483647",
      "-2147483648", "2147483648", "99999999999999999999", "0.5", "-0.0", "1e-300", "1e300", "1.0"};
  private static final String[] STRINGS = {"\"actNorm\"", "\"affineCoupling\"", "\"squeeze\"", "\"factorOut\"",
      "\"convNet\"", "\"mlp\"", "\"variational\"", "\"uniform\"", "\"none\"", "\"CHECKERBOARD\"", "\"CHANNELS\"",
      "\"HALF\"", "\"RELU\"", "\"LIPSWISH\"", "\"MULTISCALE\"", "\"SEQUENTIAL\"", "\"\"", "\"x\""};
  private static final String[] VALUES = {"null", "[]", "{}", "true", "\"\"", "[1]", "{\"type\": \"none\"}"};

  @TempDir Path dir;

  static List<FlowSpec> seeds() {
    Shape image = Shape.of(4, 4, 2);
    return List.of(
        Presets.realNvp(Shape.of(2)).couplings(2).width(8).build(),
        Presets.realNvp(image).couplings(1).width(4).build(),
        Presets.nice(Shape.of(4)).couplings(2).width(4).build(),
        Presets.glow(Shape.of(8, 8, 1)).levels(2).stepsPerLevel(1).width(4).build(),
        Presets.emerging(Shape.of(8, 8, 1)).levels(1).stepsPerLevel(1).width(4).build(),
        Presets.maf(Shape.of(3)).layers(2).width(8).build(),
        Presets.maf(Shape.of(4, 4, 1)).layers(1).width(4).build(),
        Presets.flowPlusPlus(image).width(4).blocks(1).heads(1).components(2).build(),
        Presets.residualFlow(Shape.of(2)).blocks(2).width(8).build(),
        Flows.sequential(image).steps(1, s -> s.actNorm().invertibleConv1x1(org.flows4j.api.step.Conv1x1.QR)
            .periodicConv(3).affineCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4).kernelSize(5))
            .squeeze().reverse()).build(),
        Flows.sequential(Shape.of(3)).steps(2, s -> s.iaf(4).shuffle(3)).build());
  }

  @Test
  void onlyLocatedSpecErrorsEscapeAndEveryAcceptedMutationCompiles() throws Exception {
    Random random = new Random(20261206);
    List<String> seeds = seeds().stream().map(FlowSpecJson::toJson).toList();
    Set<String> accepted = new LinkedHashSet<>();
    int refused = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      String seed = seeds.get(random.nextInt(seeds.size()));
      String mutated = mutate(seed, random, 1 + random.nextInt(3));
      FlowSpec spec;
      try {
        spec = FlowSpecJson.fromJson(mutated);
      } catch (IllegalArgumentException e) {
        assertLocated(e, mutated);
        refused++;
        continue;
      } catch (Throwable e) {
        throw new AssertionError("fromJson let " + e + " escape for:\n" + mutated, e);
      }
      if (!mutated.equals(seed) && accepted.size() < MAX_COMPILED) {
        accepted.add(FlowSpecJson.toJson(spec));
      }
    }
    assertThat(refused).as("most mutations break a rule").isGreaterThan(MUTATIONS / 2);
    assertThat(accepted).as("and some are still valid specs, which must compile").hasSizeGreaterThan(20);

    List<String> results = compileInChild(new ArrayList<>(accepted));
    System.out.printf("fuzz: %d mutations, %d refused with a located message, %d distinct accepted specs: %d "
        + "compiled, %d refused by the memory estimate%n", MUTATIONS, refused, accepted.size(),
        results.stream().filter(line -> line.startsWith("OK ")).count(),
        results.stream().filter(line -> line.startsWith("TOO_LARGE ")).count());
    assertThat(results).as("a result per accepted spec, none failed").hasSize(accepted.size())
        .allMatch(line -> line.startsWith("OK ") || line.startsWith("TOO_LARGE "));
    assertThat(results.stream().filter(line -> line.startsWith("OK "))).hasSizeGreaterThan(accepted.size() / 2);
  }

  /** A JSON error says where (a path, a line and column), a spec error lists problems with their locations. */
  private static void assertLocated(IllegalArgumentException e, String json) {
    if (e instanceof InvalidFlowSpecException invalid) {
      assertThat(invalid.problems()).isNotEmpty()
          .allMatch(problem -> !problem.location().isBlank(), "every problem has a location");
      for (Problem problem : invalid.problems()) {
        assertThat(problem.location()).matches("flow|dequantization.*|(levels\\[\\d+]\\.)?steps\\[\\d+].*");
      }
      return;
    }
    assertThat(e.getMessage()).as("for:\n" + json)
        .matches("(?s)(Invalid flow spec JSON( at \\S+)?: |Malformed flow spec JSON at line \\d+, column \\d+: )"
            + ".*")
        .doesNotContain("CoercionConfig", "`java.", "`org.flows4j");
  }

  private static String mutate(String json, Random random, int times) {
    String text = json;
    for (int t = 0; t < times; t++) {
      switch (random.nextInt(6)) {
        case 0 -> text = replaceOne(text, NUMBER, NUMBERS[random.nextInt(NUMBERS.length)], random);
        case 1 -> text = replaceOne(text, STRING_VALUE, STRINGS[random.nextInt(STRINGS.length)], random);
        case 2 -> text = replaceOne(text, NUMBER, VALUES[random.nextInt(VALUES.length)], random);
        case 3 -> text = dropKey(text, random);
        case 4 -> text = text.substring(0, random.nextInt(text.length() + 1));
        default -> {
          int at = random.nextInt(text.length() + 1);
          text = text.substring(0, at) + "{}[]:,\"0x".charAt(random.nextInt(9)) + text.substring(at);
        }
      }
    }
    return text;
  }

  private static String replaceOne(String text, Pattern pattern, String replacement, Random random) {
    List<int[]> spans = new ArrayList<>();
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      spans.add(new int[] {matcher.start(), matcher.end()});
    }
    if (spans.isEmpty()) {
      return text;
    }
    int[] span = spans.get(random.nextInt(spans.size()));
    return text.substring(0, span[0]) + replacement + text.substring(span[1]);
  }

  /** Removes one {@code "key": value} line (pretty-printed JSON puts each scalar property on its own line). */
  private static String dropKey(String text, Random random) {
    String[] lines = text.split("\n", -1);
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      if (KEY.matcher(lines[i]).find() && !lines[i].endsWith("{") && !lines[i].endsWith("[")) {
        candidates.add(i);
      }
    }
    if (candidates.isEmpty()) {
      return text;
    }
    int drop = candidates.get(random.nextInt(candidates.size()));
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      if (i != drop) {
        out.append(lines[i]).append(i < lines.length - 1 ? "\n" : "");
      }
    }
    return out.toString().replaceAll(",(\\s*[}\\]])", "$1");
  }

  /**
   * Compiles the specs in a child JVM: 384 MB of heap, 256 MB of direct memory and, through {@code ulimit -v}, a
   * bound on its whole address space, so no spec can take the machine's memory. Returns its result lines.
   */
  private List<String> compileInChild(List<String> specs) throws Exception {
    Path input = dir.resolve("specs.jsonl");
    Files.write(input, specs.stream().map(json -> json.replace("\n", "\\n")).toList(), StandardCharsets.UTF_8);
    Path output = dir.resolve("compiled.txt");
    Path errors = dir.resolve("compile-errors.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command = "ulimit -v 6291456; exec '" + java + "' -Xmx384m -XX:MaxDirectMemorySize=256m "
        + "-XX:+UseSerialGC -cp '" + System.getProperty("java.class.path") + "' " + CompileSpecs.class.getName()
        + " '" + input + "'";
    Process child = new ProcessBuilder("bash", "-c", command)
        .redirectOutput(output.toFile())
        .redirectError(errors.toFile())
        .start();
    boolean finished = child.waitFor(300, TimeUnit.SECONDS);
    if (!finished) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    List<String> results = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
        .filter(line -> line.matches("(OK|TOO_LARGE|FAILED) \\d+.*")).toList();
    String lastSpec = results.size() < specs.size() ? specs.get(results.size()) : "(none)";
    assertThat(finished).as("the child finished in time").isTrue();
    assertThat(child.exitValue()).as("the child survived every spec; it died on spec " + results.size() + ":\n"
        + lastSpec + "\nstderr tail: " + tail(errors)).isZero();
    return results;
  }

  private static String tail(Path file) throws java.io.IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return text.substring(Math.max(0, text.length() - 2000));
  }
}
