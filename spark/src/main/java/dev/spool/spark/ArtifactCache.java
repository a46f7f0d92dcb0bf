package dev.spool.spark;

import dev.spool.runtime.ArtifactException;
import dev.spool.runtime.SpoolModel;

import org.apache.spark.SparkFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The loaded artifacts of this JVM, one per file content: every task of an executor shares one
 * model (its runs are thread-safe), loaded by the first task that needs it. The key is the path the
 * driver was given plus the SHA-256 the driver read, so an artifact rewritten between two jobs is
 * loaded anew. An executor's copy is loaded by the runtime first (a damaged one fails with the
 * runtime's own message) and then compared with the driver's digest, so that an intact but
 * different artifact fails the task rather than computing with another model.
 */
final class ArtifactCache {
    private static final Map<Key, SpoolModel> MODELS = new ConcurrentHashMap<>();
    private static volatile Function<Path, SpoolModel> loader = SpoolModel::load;

    private ArtifactCache() {
    }

    /** An artifact as the driver saw it: its path and the SHA-256 of its bytes. */
    record Key(String path, String sha256) implements Serializable {
        /** Reads the file at {@code path} on the driver. */
        static Key of(String path) {
            return new Key(path, digest(Path.of(path)));
        }
    }

    /** The model of {@code key}, loaded on the first call in this JVM. */
    static SpoolModel get(Key key) {
        return MODELS.computeIfAbsent(key, ArtifactCache::load);
    }

    /** How many distinct artifacts this JVM holds (tests check that a job loads once). */
    static int size() {
        return MODELS.size();
    }

    /** Forgets every loaded model, so that the next task loads its artifact again (tests only). */
    static void clear() {
        MODELS.clear();
    }

    /** Replaces the loader (tests only) and forgets every loaded model. */
    static void useLoader(Function<Path, SpoolModel> newLoader) {
        loader = newLoader;
        MODELS.clear();
    }

    private static SpoolModel load(Key key) {
        Path file = locate(key.path());
        SpoolModel model = loader.apply(file);
        String found = digest(file);
        if (!found.equals(key.sha256())) {
            throw new ArtifactException("artifact " + file + " differs from the driver's copy of " + key.path()
                    + " (SHA-256 " + found.substring(0, 12) + "... here, " + key.sha256().substring(0, 12) + "... on the driver)");
        }
        return model;
    }

    /**
     * The artifact on this machine: at the driver's path (a shared file system, or local mode), or
     * shipped by {@code spark-submit --files} / {@code SparkContext.addFile} under its file name.
     */
    private static Path locate(String path) {
        Path given = Path.of(path);
        if (Files.isRegularFile(given)) {
            return given;
        }
        Path shipped = Path.of(SparkFiles.get(given.getFileName().toString()));
        if (Files.isRegularFile(shipped)) {
            return shipped;
        }
        throw new ArtifactException("artifact " + path + " is not on this executor: put it on a file system that every executor "
                + "mounts at that path, or ship it with spark-submit --files " + path);
    }

    private static String digest(Path file) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchFileException e) {
            throw new ArtifactException("cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new ArtifactException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
