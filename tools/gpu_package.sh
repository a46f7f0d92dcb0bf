#!/usr/bin/env bash
# Packs what `spool gpu-selftest` needs on a GPU machine without Java into .gpu/ (under 64 MiB):
# a jlink'd Java 17 runtime (with jdk.incubator.vector for the CPU backend's kernels), the module
# jars and their runtime dependencies, the JavaCPP natives trimmed to what runs (cudart, cublas,
# nvrtc JNI glue; OpenBLAS without the LAPACK build), no plotting libraries. Run from the project
# root after `mvn -B -q package -DskipTests`; .gpu/ ignores itself. Then, on the GPU machine:
#   .gpu/jre/bin/java -cp '.gpu/lib/*' dev.spool.cli.Main gpu-selftest --out DIR
set -euo pipefail
jdk=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
rm -rf .gpu && mkdir -p .gpu/lib && echo '*' > .gpu/.gitignore
"$jdk/bin/jlink" --module-path "$jdk/jmods" \
  --add-modules java.base,java.logging,java.management,java.compiler,jdk.unsupported,jdk.zipfs,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output .gpu/jre 2>/dev/null
cp cli/target/spool-cli.jar .gpu/lib/
for j in cli/target/lib/*.jar; do
  case "$(basename "$j")" in
    xchart-*|pdfbox*|fontbox-*|graphics2d-*|VectorGraphics2D-*|animated-gif-*|commons-logging-*) ;;
    *) cp "$j" .gpu/lib/ ;;
  esac
done
( cd .gpu/lib
  zip -q -d openblas-*-linux-x86_64.jar 'org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so' \
      'org/bytedeco/openblas/linux-x86_64/include/*' 'org/bytedeco/openblas/linux-x86_64/lib/*' || true
  cuda=$(ls cuda-*-linux-x86_64.jar)
  keep='libjnicudart.so|libjnicublas.so|libjninvrtc.so'
  zip -q -d "$cuda" $(unzip -Z1 "$cuda" | grep -E '\.so$' | grep -vE "$keep") || true )
du -sh .gpu; du -sh .gpu/jre .gpu/lib
