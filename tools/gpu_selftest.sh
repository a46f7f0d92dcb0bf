#!/usr/bin/env bash
# The whole GPU check in one command, for a lent GPU machine that has CUDA 13 and PyTorch but no
# Java (pack .gpu/ first with tools/gpu_package.sh; run from the directory holding .gpu/ and the
# fixtures/: OUT=... bash .gpu/tools/gpu_selftest.sh): finds the CUDA 13 libraries, prints the device,
# times the PyTorch side (tools/bench_cuda.py), runs `spool gpu-selftest`, then trains one epoch with
# SGD on the device and on the CPU backend (same seed: the perplexities should agree). Everything
# lands in $OUT (default /tmp/spool-gpu): run.log, torch.json, gpu-selftest.md/json, bench-*.json.
# PROBE=0 skips the first probe, TRAIN_CHECK=0 the training comparison.
set -u
OUT=${OUT:-/tmp/spool-gpu}
mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
date -u
nvidia-smi || echo "nvidia-smi failed"
dirs="/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu"
dirs="$dirs $(python3 -c 'import glob,site,os; print(" ".join(sorted({d for s in site.getsitepackages() for p in ("nvidia/*/lib","nvidia/cu*/lib","torch/lib") for d in glob.glob(os.path.join(s,p))})))' 2>/dev/null)"
libpath=""
for d in $dirs; do
  if ls "$d" 2>/dev/null | grep -qE '^lib(cudart|cublas|cublasLt|nvrtc)\.so\.13'; then libpath="$libpath:$d"; fi
done
echo "directories with CUDA 13 libraries:${libpath:- none}"
for d in ${libpath//:/ }; do echo "  $d:"; ls "$d" | grep -E '^lib(cudart|cublas|cublasLt|nvrtc|nvrtc-builtins)\.so' | sed 's/^/    /'; done
ls -l /usr/lib/x86_64-linux-gnu/libcuda.so* 2>/dev/null
export LD_LIBRARY_PATH="${libpath#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
java=(.gpu/jre/bin/java --add-modules jdk.incubator.vector -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp-cache -cp '.gpu/lib/*' dev.spool.cli.Main)

if [ "${PROBE:-1}" = 1 ]; then
echo "== probe: one small anchor on the GPU"
timeout 90 "${java[@]}" bench --backend cuda --only rnn_h32 --steps 3 --warmup 1 --warmup-seconds 0
probe=$?
echo "probe rc=$probe"
if [ $probe -ne 0 ]; then
  echo "== probe failed: again with JavaCPP's loader log"
  timeout 60 .gpu/jre/bin/java -Dorg.bytedeco.javacpp.logger.debug=true -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp-cache -cp '.gpu/lib/*' \
    dev.spool.cli.Main bench --backend cuda --only rnn_h32 --steps 1 --warmup 0 --warmup-seconds 0 --verbose 2>&1 | tail -60
fi
fi

echo "== PyTorch on the GPU"
PYTHONUNBUFFERED=1 timeout ${TORCH_TIMEOUT:-120} python3 "$(dirname "$0")/bench_cuda.py" --out "$OUT/torch.json" --steps 20
echo "torch rc=$?"

echo "== spool gpu-selftest"
torch=()
[ -f "$OUT/torch.json" ] && torch=(--torch "$OUT/torch.json")
timeout ${SELFTEST_TIMEOUT:-240} "${java[@]}" gpu-selftest --out "$OUT" "${torch[@]}" ${SELFTEST_ARGS:-}
echo "selftest rc=$?"
cat "$OUT/gpu-selftest.md" 2>/dev/null
date -u

if [ "${TRAIN_CHECK:-1}" = 1 ]; then
  # The packed runtime has no java.desktop, so the closing perplexity plot fails: the epoch line comes first.
  echo "== spool train, one epoch of a GRU H32: SGD with the parameters on the GPU, then the CPU backend"
  for b in cuda cpu; do
    timeout ${TRAIN_TIMEOUT:-40} "${java[@]}" train --backend $b --cell gru --hidden 32 --batch 128 --steps 35 --epochs 1 --lr 1 --quiet \
      --plot "$OUT/train-$b.png" 2>&1 | grep -E "epoch|training|diverged|error" | head -5
  done
  date -u
fi
