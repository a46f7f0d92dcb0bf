#!/usr/bin/env bash
# Packs what `spool gpu-selftest` needs on a GPU machine without Java into .gpu/ (under 64 MiB):
# a jlink'd Java 17 runtime (with jdk.incubator.vector for the CPU backend's kernels), the module
# jars and their runtime dependencies, the JavaCPP natives trimmed to what runs (cudart, cublas,
# nvrtc JNI glue; OpenBLAS without the LAPACK build), no plotting libraries. Run from the project
# root after `mvn -B -q package -DskipTests`. The device tool sends the checkout the session started
# in, so pack into that checkout's .gpu (ignored there: `echo /.gpu/ >> .git/info/exclude`):
#   tools/gpu_package.sh /work/main/.gpu
# and run from that checkout's root: OUT=$OUT bash .gpu/tools/gpu_selftest.sh
set -euo pipefail
jdk=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
dest=${1:-.gpu}
rm -rf "$dest" && mkdir -p "$dest/lib" "$dest/tools" && echo '*' > "$dest/.gitignore"
cp tools/gpu_selftest.sh tools/bench_cuda.py "$dest/tools/"
"$jdk/bin/jlink" --module-path "$jdk/jmods" \
  --add-modules java.base,java.logging,java.management,java.compiler,jdk.unsupported,jdk.zipfs,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$dest/jre" 2>/dev/null
# libjvm.so's symbol table is 4 MB of the 64 MiB that may travel with the working tree.
strip --strip-unneeded "$dest/jre/lib/server/libjvm.so"
cp cli/target/spool-cli.jar "$dest/lib/"
for j in cli/target/lib/*.jar; do
  case "$(basename "$j")" in
    xchart-*|pdfbox*|fontbox-*|graphics2d-*|VectorGraphics2D-*|animated-gif-*|commons-logging-*) ;;
    *) cp "$j" "$dest/lib/" ;;
  esac
done
( cd "$dest/lib"
  zip -q -d openblas-*-linux-x86_64.jar 'org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so' \
      'org/bytedeco/openblas/linux-x86_64/include/*' 'org/bytedeco/openblas/linux-x86_64/lib/*' || true
  cuda=$(ls cuda-*-linux-x86_64.jar)
  keep='libjnicudart.so|libjnicublas.so|libjninvrtc.so'
  zip -q -d "$cuda" $(unzip -Z1 "$cuda" | grep -E '\.so$' | grep -vE "$keep") || true )
du -sh "$dest" "$dest/jre" "$dest/lib"
