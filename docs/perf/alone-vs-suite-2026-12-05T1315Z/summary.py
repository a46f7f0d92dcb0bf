import json, statistics, glob, os
W = ["rnn_h32_b1024_t32", "gru_h256_b32_t35", "lstm_h256_b32_t35", "lstm_h1024_b64_t100"]
short = {"rnn_h32_b1024_t32": "rnn_h32", "gru_h256_b32_t35": "gru_h256", "lstm_h256_b32_t35": "lstm_h256", "lstm_h1024_b64_t100": "lstm_h1024"}
rounds = sorted(int(p.split('-')[-1].split('.')[0]) for p in glob.glob('./suite-*.json'))
print("| workload | alone ms/step, 5 runs (median) | in the suite (median) | suite / alone, per run | spread alone / suite | inference alone / suite (medians) |")
print("|---|---|---|---|---|---|")
for w in W:
    a=[]; s=[]; ai=[]; si=[]
    for r in rounds:
        try:
            sj=json.load(open(f'./suite-{r}.json')); aj=json.load(open(f'./alone-{short[w]}-{r}.json'))
        except Exception: continue
        s.append(sj[w]["ms_per_step"]); a.append(aj[w]["ms_per_step"]); si.append(sj[w]["inference_ms_per_step"]); ai.append(aj[w]["inference_ms_per_step"])
    ratio=[x/y for x,y in zip(s,a)]
    sp=lambda v:(max(v)-min(v))/statistics.median(v)*100
    f=lambda v:", ".join("%.1f"%x if x>=100 else "%.2f"%x for x in v)
    print("| %s | %s (%.2f) | %s (%.2f) | %s | %.0f %% / %.0f %% | %.2f / %.2f |"%(w,f(a),statistics.median(a),f(s),statistics.median(s),", ".join("%.2f"%x for x in ratio),sp(a),sp(s),statistics.median(ai),statistics.median(si)))
