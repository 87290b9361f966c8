package org.flows4j.examples.cli;

import java.nio.file.Path;
import org.flows4j.tf.data.FashionMnist;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code --data-dir}: where the Fashion-MNIST files are, for the commands that read data. */
final class DataDirectoryOption {
  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "folder with the Fashion-MNIST .gz files (default: the Debian package's, "
          + "/usr/share/datasets/fashion-mnist)")
  @Nullable Path directory;

  Path directory() {
    return directory != null ? directory : FashionMnist.DEFAULT_DIRECTORY;
  }
}
