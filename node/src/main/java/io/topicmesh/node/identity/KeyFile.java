package io.topicmesh.node.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's identity key on disk. The file holds the protobuf {@code PrivateKey} bytes (the format
 * go-libp2p and the other implementations store), is written atomically (temporary file in the
 * same directory, fsync, rename) and, where the file system is POSIX, readable by its owner only.
 */
public final class KeyFile {
  private static final Logger log = LoggerFactory.getLogger(KeyFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private KeyFile() {}

  /**
   * Loads the key at {@code path}, or generates one of {@code typeIfCreated} and saves it there
   * when no file exists yet.
   *
   * @throws InvalidKeyException if the file exists but does not hold a valid key
   * @throws UncheckedIOException if the file cannot be read or written
   */
  public static PrivKey loadOrCreate(Path path, KeyType typeIfCreated, SecureRandom random) {
    if (Files.exists(path)) {
      return load(path);
    }
    PrivKey key = PrivKey.generate(typeIfCreated, random);
    save(path, key);
    log.info(
        "generated a new {} identity key in {} (peer {})",
        typeIfCreated,
        path,
        PeerId.fromPublicKey(key.publicKey()));
    return key;
  }

  /**
   * Reads the key at {@code path}.
   *
   * @throws InvalidKeyException naming the file if its content is not a valid key
   * @throws UncheckedIOException if it cannot be read
   */
  public static PrivKey load(Path path) {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > KeyProto.MAX_ENCODED_BYTES) {
        throw new InvalidKeyException(
            "key file "
                + path
                + " is "
                + size
                + " bytes, more than any supported key ("
                + KeyProto.MAX_ENCODED_BYTES
                + ")");
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException("key file " + path + " does not exist", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read key file " + path + ": " + e.getMessage(), e);
    }
    warnIfReadableByOthers(path);
    try {
      return PrivKey.unmarshal(bytes);
    } catch (InvalidKeyException e) {
      throw new InvalidKeyException("key file " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code key} to {@code path} atomically, replacing any previous file; the file is
   * created with permissions 0600.
   *
   * @throws UncheckedIOException if it cannot be written
   */
  public static void save(Path path, PrivKey key) {
    Path absolute = path.toAbsolutePath();
    Path dir = absolute.getParent();
    byte[] bytes = key.bytes();
    Path temp = null;
    try {
      Files.createDirectories(dir);
      boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
      FileAttribute<?>[] attributes =
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
              : new FileAttribute<?>[0];
      temp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp", attributes);
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      if (posix) {
        // createTempFile honours the umask; set the mode explicitly as well.
        Files.setPosixFilePermissions(temp, OWNER_ONLY);
      }
      try {
        Files.move(
            temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
      temp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write key file " + path + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: the write already failed and that is what gets reported
        }
      }
    }
  }

  private static void syncDirectory(Path dir) {
    // Makes the rename durable; not every platform can open a directory, which only costs
    // durability on a crash, not correctness.
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // see above
    }
  }

  private static void warnIfReadableByOthers(Path path) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn(
            "identity key file {} is readable by other users ({}); 0600 is recommended",
            path,
            PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException ignored) {
      // not a POSIX file system: nothing to check
    }
  }
}
