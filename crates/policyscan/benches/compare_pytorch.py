#!/usr/bin/env python3
"""Side by side: our candle classifier vs PyTorch + transformers on the same model.

Run by hand, not in CI. Installs nothing. Needs, from PyPI: `torch` (CPU is enough) and
`transformers` (which brings `tokenizers`). Usage:

    cargo build --release
    python3 benches/compare_pytorch.py --model models/policy-bert-zh-stage1 --data DEV.jsonl \
        --threads 2 --batch-size 32

DEV.jsonl has one {"text": ..., "heading_path": [...]} per line (e.g. `policyscan dataset`'s
dev.jsonl). The script loads the model directory with BertForSequenceClassification, tokenises
exactly as policyscan does (headings cut to 16 chars and joined by "/", the last max_tokens/2
chars of that, then the pair
truncated longest-first to max_tokens), batches by length like policyscan, checks that the scores
match `policyscan score` (max abs diff < 1e-3) and prints segments/s for both and the ratio.
It compares one model directory: a member of an ensemble such as the default one, not the
ensemble, and one trained without lead-ins (`"lead_in"` absent from its config.json).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/policy-bert-zh-stage1")
    ap.add_argument("--data", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", default="target/release/policyscan")
    a = ap.parse_args()

    try:
        import torch
        from transformers import BertForSequenceClassification, PreTrainedTokenizerFast
    except ImportError as e:
        sys.exit(f"needs torch and transformers from PyPI ({e})")
    torch.set_num_threads(a.threads)

    rows = [json.loads(l) for l in open(a.data, encoding="utf-8") if l.strip()]
    labels = ["collection", "cookie", "sharing", "rights", "minors", "cross_border"]

    # Ours.
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "scores.jsonl")
        cmd = [a.binary, "score", "--data", a.data, "--out", out, "--model", a.model,
               "--batch-size", str(a.batch_size), "--max-tokens", str(a.max_tokens),
               "--threads", str(a.threads), "--repeat", str(a.repeat)]
        p = subprocess.run(cmd, capture_output=True, text=True, check=True)
        ours = [json.loads(l) for l in open(out)]
        print("candle :", p.stderr.strip())
        ours_rate = float(p.stderr.split("(")[1].split(" ")[0])

    # PyTorch.
    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(a.model, "tokenizer.json"))
    model = BertForSequenceClassification.from_pretrained(a.model).eval()
    cfg = model.config
    head_index = [cfg.label2id[l] for l in labels]

    def head(path):
        # policyscan's heading_text: each heading cut to 16 chars, joined by
        # "/", then its last max_tokens/2 chars.
        j = "/".join(h[:16] for h in path)
        k = a.max_tokens // 2
        return j if len(j) <= k else j[len(j) - k:]

    enc = tok([head(r.get("heading_path", [])) for r in rows], [r["text"] for r in rows],
              truncation="longest_first", max_length=a.max_tokens, return_token_type_ids=True)
    order = sorted(range(len(rows)), key=lambda i: (len(enc["input_ids"][i]), i))
    batches = [order[i:i + a.batch_size] for i in range(0, len(order), a.batch_size)]
    pad = tok.convert_tokens_to_ids("[PAD]") or 0

    def run_all():
        res = [None] * len(rows)
        with torch.inference_mode():
            for b in batches:
                w = max(len(enc["input_ids"][i]) for i in b)
                ids = torch.full((len(b), w), pad, dtype=torch.long)
                tt = torch.zeros((len(b), w), dtype=torch.long)
                m = torch.zeros((len(b), w), dtype=torch.long)
                for r, i in enumerate(b):
                    n = len(enc["input_ids"][i])
                    ids[r, :n] = torch.tensor(enc["input_ids"][i])
                    tt[r, :n] = torch.tensor(enc["token_type_ids"][i])
                    m[r, :n] = 1
                logits = model(input_ids=ids, token_type_ids=tt, attention_mask=m).logits
                probs = torch.sigmoid(logits)
                for r, i in enumerate(b):
                    res[i] = [float(probs[r, h]) for h in head_index]
        return res

    best = float("inf")
    for _ in range(a.repeat):
        t = time.perf_counter()
        theirs = run_all()
        best = min(best, time.perf_counter() - t)
    torch_rate = len(rows) / best
    diff = max(abs(o[l] - t[j]) for o, t in zip(ours, theirs) for j, l in enumerate(labels))
    print(f"pytorch: scored {len(rows)} segments in {best:.3f} s ({torch_rate:.1f} segments/s, "
          f"batch {a.batch_size}, torch {torch.__version__}, {a.threads} threads)")
    print(f"max abs score difference: {diff:.2e} ({'OK' if diff < 1e-3 else 'MISMATCH'})")
    print(f"candle / pytorch speed ratio: {ours_rate / torch_rate:.2f}x")
    sys.exit(0 if diff < 1e-3 else 1)


if __name__ == "__main__":
    main()
