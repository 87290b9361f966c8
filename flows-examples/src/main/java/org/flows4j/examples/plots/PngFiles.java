package org.flows4j.examples.plots;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import javax.imageio.ImageIO;

/** Writes a PNG so that readers (and a crash) only ever see the old file or the complete new one. */
final class PngFiles {
  private PngFiles() {}

  static void writeAtomically(Path png, BufferedImage image) throws IOException {
    Path target = png.toAbsolutePath();
    Path directory = target.getParent();
    Files.createDirectories(directory);
    // Same directory as the target, so the final move is a rename within one file system and can be atomic.
    // Not Files.createTempFile: it creates owner-only files, and the PNG should get the usual permissions.
    Path temporary = directory.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(channel);
        if (!ImageIO.write(image, "png", out)) {
          throw new IOException("no PNG writer available in javax.imageio for image type " + image.getType());
        }
        out.flush();
        // The rename alone survives a process crash; forcing the bytes out first also survives a power cut.
        channel.force(true);
      }
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
