package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The environment a child JVM (and the {@code flows} launcher) gets for transparent huge pages. */
class HugePageTunableTest {

  @Test
  void asksForHugePagesAndKeepsEveryOtherTunable() {
    assertThat(HugePageTunable.withHugePages(null)).isEqualTo("glibc.malloc.hugetlb=1");
    assertThat(HugePageTunable.withHugePages("")).isEqualTo("glibc.malloc.hugetlb=1");
    assertThat(HugePageTunable.withHugePages("glibc.malloc.arena_max=2"))
        .isEqualTo("glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2");
  }

  @Test
  void aValueTheUserChoseWins() {
    assertThat(HugePageTunable.withHugePages("glibc.malloc.hugetlb=0")).isEqualTo("glibc.malloc.hugetlb=0");
    assertThat(HugePageTunable.withHugePages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"))
        .isEqualTo("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0");
  }

  @Test
  void theLauncherComposesTheSameValue() throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    String script = Files.readString(root.resolve("flows"));
    int start = script.indexOf("case \":${GLIBC_TUNABLES");
    int end = script.indexOf("esac", start) + "esac".length();
    assertThat(start).as("the launcher's GLIBC_TUNABLES block").isNotNegative();
    String block = script.substring(start, end);
    for (String inherited : List.of("", "glibc.malloc.arena_max=2", "glibc.malloc.hugetlb=0")) {
      Process shell = new ProcessBuilder("bash", "-c",
          (inherited.isEmpty() ? "unset GLIBC_TUNABLES; " : "export GLIBC_TUNABLES='" + inherited + "'; ")
              + block + "\nprintf %s \"$GLIBC_TUNABLES\"").redirectErrorStream(true).start();
      String value = new String(shell.getInputStream().readAllBytes()).trim();
      assertThat(shell.waitFor()).isZero();
      assertThat(value).as("launcher with GLIBC_TUNABLES='%s'", inherited)
          .isEqualTo(HugePageTunable.withHugePages(inherited.isEmpty() ? null : inherited));
    }
  }
}
