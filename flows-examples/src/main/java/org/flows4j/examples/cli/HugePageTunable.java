package org.flows4j.examples.cli;

import org.jspecify.annotations.Nullable;

/**
 * The glibc tunable {@code glibc.malloc.hugetlb=1}, which makes malloc ask for transparent huge pages
 * ({@code madvise(MADV_HUGEPAGE)}) on the memory it maps. TensorFlow's tensors come from malloc; on a kernel whose
 * transparent huge pages are in {@code madvise} mode (Debian's default) they are otherwise backed by 4 KiB pages,
 * and the first touch of each page is a fault. On this project's 2-core VM a first touch of 1 GiB took 2.98 s in
 * 4 KiB pages against 0.096 s in huge pages, and the paper's MNIST Residual Flow touches about 4 GiB in its first
 * step. The {@code flows} launcher sets it, and the residual benchmark sets it for its child JVMs.
 *
 * <p>A tunable is read when the process starts, so it cannot be set from Java for the running JVM. A value the user
 * gave for {@code glibc.malloc.hugetlb} is kept ({@code GLIBC_TUNABLES=glibc.malloc.hugetlb=0} turns it off).
 */
final class HugePageTunable {
  static final String VARIABLE = "GLIBC_TUNABLES";
  private static final String NAME = "glibc.malloc.hugetlb";

  private HugePageTunable() {}

  /** {@code inherited} (the parent's {@code GLIBC_TUNABLES}, or null) with huge pages asked for unless it decides. */
  static String withHugePages(@Nullable String inherited) {
    if (inherited == null || inherited.isBlank()) {
      return NAME + "=1";
    }
    for (String tunable : inherited.split(":")) {
      if (tunable.startsWith(NAME + "=")) {
        return inherited;
      }
    }
    return NAME + "=1:" + inherited;
  }
}
