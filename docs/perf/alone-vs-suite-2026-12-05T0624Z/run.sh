#!/bin/bash
cd /work/main
for r in 1 2 3 4 5; do
  nice -n -15 ./spool bench --suite anchors --repeat 10 --metrics /tmp/stab/suite-$r.json > /tmp/stab/suite-$r.txt 2>&1
  for w in rnn_h32 gru_h256 lstm_h256 lstm_h1024; do
    nice -n -15 ./spool bench --only $w --repeat 10 --metrics /tmp/stab/alone-$w-$r.json > /tmp/stab/alone-$w-$r.txt 2>&1
  done
  echo "round $r done $(date -u +%H:%M:%S)" >> /tmp/stab/progress.txt
done
