#!/bin/bash
# 3 rounds: the suite, then each anchor alone; OpenBLAS unpinned.
cd /work/main
for r in 1 2 3; do
  env -u OPENBLAS_CORETYPE nice -n -15 ./spool bench --suite anchors --repeat 10 --metrics /tmp/stab2/suite-$r.json > /tmp/stab2/suite-$r.txt 2>&1
  for w in rnn_h32 gru_h256 lstm_h256 lstm_h1024; do
    env -u OPENBLAS_CORETYPE nice -n -15 ./spool bench --only $w --repeat 10 --metrics /tmp/stab2/alone-$w-$r.json > /tmp/stab2/alone-$w-$r.txt 2>&1
  done
  echo "round $r done $(date -u +%H:%M:%S)" >> /tmp/stab2/progress.txt
done
