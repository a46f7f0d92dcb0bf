package dev.spool.backend.cuda;

import org.bytedeco.cuda.cudart.CUmod_st;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loaded modules by the SHA-256 of their source: a plan whose generated source was compiled before
 * (the same program and dims, e.g. a second compile of one graph) skips NVRTC and the module load.
 */
final class ModuleCache {
    private static final Map<String, CUmod_st> MODULES = new ConcurrentHashMap<>();

    private ModuleCache() {
    }

    static String hash(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static CUmod_st load(Cuda cuda, String source) {
        return MODULES.computeIfAbsent(hash(source), h -> cuda.load(cuda.compile(source)));
    }
}
