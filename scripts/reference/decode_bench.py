"""Greedy and beam decoding of a seq2seq-node model folder in plain PyTorch, timed: the baseline of
`npm run bench -- --decode` (scripts/bench-decode.mjs), written the plainest fast way a PyTorch user would: sources
grouped by length into batches, packed, `torch.inference_mode()`, one decoder step per batch and time step.

    python3 scripts/reference/decode_bench.py --model DIR --input SOURCES.json --mode greedy|beam [--beam 5]
        [--batch-size 64] [--threads 1] [--repeats 3]

SOURCES.json: {"sources": [[index, ...], ...] (reversed, as fed to the encoder, with the markers),
"maxLengths": [n, ...], "sos": i, "eos": j}. Prints JSON: {"seconds": [each repeat's decode time], "words":
[[index, ...] per source], "logProbs": [the beam's best hypothesis's summed log-probability per source; null for
greedy], "torch": version}. Greedy words run up to and with <eos> (or maxLengths[i] words);
beam words are the best hypothesis of beam_search.cc's search (same rules), so both sides can be compared word
for word.
"""

import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from attention_model import AttentionDecoder, Encoder, encode  # noqa: E402

SAFE = {"weights_only": True} if int(torch.__version__.split(".")[0]) >= 2 else {}


def load(folder):
    config = json.load(open(os.path.join(folder, "config.json")))
    kind = config.get("attention", "none")
    enc = Encoder(config["src_vocab_size"], config["hidden"], config["embedding"], config["layers"],
                  bidirectional=config.get("bidirectional", False))
    dec = AttentionDecoder(config["tgt_vocab_size"], config["hidden"], config["embedding"], config["layers"], kind,
                           config.get("input_feed"))
    enc.load_state_dict(torch.load(os.path.join(folder, "encoder.pt"), **SAFE))
    dec.load_state_dict(torch.load(os.path.join(folder, "decoder.pt"), **SAFE))
    return enc.eval(), dec.eval()


def batches(sources, batch_size):
    """Indices grouped by source length (stable, as src/decode/source-batches.ts groups them)."""
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def padded(sources, group):
    S = max(len(sources[j]) for j in group)
    src = torch.zeros(S, len(group), dtype=torch.long)
    for b, j in enumerate(group):
        src[: len(sources[j]), b] = torch.tensor(sources[j])
    return src, torch.tensor([len(sources[j]) for j in group])


def greedy(enc, dec, src, lengths, max_lengths, sos, eos):
    memory, mask, (h, c) = encode(enc, src, lengths)
    B = src.size(1)
    state = (h, c, dec.initial_feed(B, h))
    limits = torch.tensor(max_lengths)
    x = torch.full((B,), sos, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    steps = []
    for t in range(max(max_lengths)):
        lp, state, _ = dec(x, state, memory, mask)
        x = lp.argmax(1)
        steps.append(x)
        done = done | (x == eos) | (limits <= t + 1)
        if bool(done.all()):
            break
    words = torch.stack(steps).t().tolist()
    out = []
    for b, row in enumerate(words):
        row = row[: max_lengths[b]]
        out.append(row[: row.index(eos) + 1] if eos in row else row)
    return out


def beam_search(enc, dec, src, lengths, max_lengths, sos, eos, K, alpha=1.0):
    """native/seq2seq/beam_search.cc's search: 2K candidates ranked per sentence, an <eos> among the first K ends a
    hypothesis, a sentence is done with K ended or at its maxLength."""
    memory, mask, (h, c) = encode(enc, src, lengths)
    B = src.size(1)
    h, c = h.repeat_interleave(K, 1), c.repeat_interleave(K, 1)
    memory, mask = memory.repeat_interleave(K, 0), mask.repeat_interleave(K, 0)
    state = (h, c, dec.initial_feed(B * K, h))
    inf = float("inf")
    scores = [0.0 if k == 0 else -inf for _ in range(B) for k in range(K)]
    inputs = [sos] * (B * K)
    live = [[[] for _ in range(K)] for _ in range(B)]
    finished = [[] for _ in range(B)]
    done = [False] * B
    for t in range(max(max_lengths)):
        lp, state, _ = dec(torch.tensor(inputs), state, memory, mask)
        V = lp.size(1)
        cand = (lp.double() + torch.tensor(scores, dtype=torch.double).unsqueeze(1)).view(B, K * V)
        values, indices = cand.topk(min(2 * K, K * V), 1)
        values, indices = values.tolist(), indices.tolist()
        rows = [0] * (B * K)
        for b in range(B):
            nxt = []
            if not done[b]:
                last = t + 1 >= max_lengths[b]
                for j in range(len(values[b])):
                    if len(nxt) >= K or values[b][j] == -inf:
                        break
                    k, word = divmod(indices[b][j], V)
                    words = live[b][k] + [word]
                    if word == eos or last:
                        if j < K:
                            finished[b].append((values[b][j] / max(len(words), 1) ** alpha, words, values[b][j]))
                        continue
                    nxt.append((words, values[b][j]))
                    rows[b * K + len(nxt) - 1] = b * K + k
                if last or len(finished[b]) >= K or not nxt:
                    done[b] = True
                    nxt = []
            for k in range(K):
                if k < len(nxt):
                    scores[b * K + k], inputs[b * K + k] = nxt[k][1], nxt[k][0][-1]
                else:
                    scores[b * K + k], inputs[b * K + k], rows[b * K + k] = -inf, eos, b * K
            live[b] = [w for w, _ in nxt] + [[] for _ in range(K - len(nxt))]
        if all(done):
            break
        gather = torch.tensor(rows)
        h, c, feed = state
        state = (h.index_select(1, gather), c.index_select(1, gather), None if feed is None else feed.index_select(0, gather))
    # The best by score; among equal scores the first to end (max keeps the first, as the C++ stable sort does).
    best = [max(f, key=lambda s: s[0]) if f else (0.0, [], 0.0) for f in finished]
    return [words for _, words, _ in best], [log_prob for _, _, log_prob in best]


def decode_all(enc, dec, data, mode, beam, batch_size):
    sources, limits = data["sources"], data["maxLengths"]
    words, log_probs = [None] * len(sources), [None] * len(sources)
    with torch.inference_mode():
        for group in batches(sources, batch_size):
            src, lengths = padded(sources, group)
            max_lengths = [limits[j] for j in group]
            if mode == "greedy":
                out, scores = greedy(enc, dec, src, lengths, max_lengths, data["sos"], data["eos"]), None
            else:
                out, scores = beam_search(enc, dec, src, lengths, max_lengths, data["sos"], data["eos"], beam)
            for b, j in enumerate(group):
                words[j] = out[b]
                log_probs[j] = scores[b] if scores else None
    return words, log_probs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--mode", choices=["greedy", "beam"], default="greedy")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--int8", action="store_true",
                        help="decode PyTorch's dynamic int8 quantization of the (float) model: quantize_dynamic with "
                             "per_channel_dynamic_qconfig on the LSTMs and the output layer (quantized_model.py)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    enc, dec = load(args.model)
    if args.int8:
        from quantized_model import quantize_dynamic_model
        enc, dec = quantize_dynamic_model(enc, dec)
    data = json.load(open(args.input))
    seconds, words, log_probs = [], None, None
    for _ in range(args.repeats):
        start = time.perf_counter()
        words, log_probs = decode_all(enc, dec, data, args.mode, args.beam, args.batch_size)
        seconds.append(time.perf_counter() - start)
    json.dump({"seconds": seconds, "words": words, "logProbs": log_probs, "torch": torch.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
