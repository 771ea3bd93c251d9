"""Replays an exported run (seq2seq train --export-run RUNDIR) with the notebook's own PyTorch loop.

The model classes and the training loop below are the notebook's ("Attention in Neural Networks - 6.
Sequence-to-Sequence (Seq2Seq) (5)", Buomsoo Kim, 2020), unchanged but for three things the cross-check needs:
the data, vocabularies and initial weights (float32, or float64) come from RUNDIR instead of a fresh random
draw, DEVICE is taken from the command line, and every sentence's loss is recorded. Afterwards it decodes the
first sources greedily.

usage: /usr/bin/python3 scripts/reference/notebook.py RUNDIR [--device cpu] [--translate N] [--threads N] > result.json
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("rundir")
parser.add_argument("--device", default="cpu")
parser.add_argument("--translate", type=int, default=20)
parser.add_argument("--threads", type=int, default=0)
args = parser.parse_args()
if args.threads > 0:
    torch.set_num_threads(args.threads)

with open(os.path.join(args.rundir, "data.json")) as f:
    data = json.load(f)
eng_sentences, deu_sentences = data["sources"], data["targets"]  # sources already reversed
eng_words, deu_words = data["src_vocab"], data["tgt_vocab"]
config = data["config"]

MAX_SENT_LEN = len(max(eng_sentences, key=len))
ENG_VOCAB_SIZE = len(eng_words)
DEU_VOCAB_SIZE = len(deu_words)
NUM_EPOCHS = config["epochs"]
HIDDEN_SIZE = config["hidden"]
EMBEDDING_DIM = config["embedding"]
NUM_LAYERS = config["layers"]
DEVICE = torch.device(args.device)


# The notebook's classes, unchanged (shared with the tests and the import/export round trips).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from notebook_model import Decoder, Encoder  # noqa: E402


init = torch.load(os.path.join(args.rundir, "init.pt"))
# float32, or float64 for comparisons that no rounding order can upset: the run's dtype becomes the default, as
# the TypeScript side sets it, so that the notebook's own torch.zeros follow.
torch.set_default_dtype(next(iter(init.values())).dtype)
encoder = Encoder(ENG_VOCAB_SIZE, HIDDEN_SIZE, EMBEDDING_DIM, NUM_LAYERS).to(DEVICE)
decoder = Decoder(DEU_VOCAB_SIZE, HIDDEN_SIZE, EMBEDDING_DIM, NUM_LAYERS).to(DEVICE)
encoder.load_state_dict({k[len("encoder."):]: v for k, v in init.items() if k.startswith("encoder.")})
decoder.load_state_dict({k[len("decoder."):]: v for k, v in init.items() if k.startswith("decoder.")})

encoder_opt = torch.optim.Adam(encoder.parameters(), lr=config["lr"])
decoder_opt = torch.optim.Adam(decoder.parameters(), lr=config["lr"])
criterion = nn.NLLLoss()
current_loss = []
per_sentence = []

started = time.perf_counter()
for i in range(NUM_EPOCHS):
    epoch_losses = []
    for j in range(len(eng_sentences)):
        source, target = eng_sentences[j], deu_sentences[j]
        source = torch.tensor(source, dtype=torch.long).view(-1, 1).to(DEVICE)
        target = torch.tensor(target, dtype=torch.long).view(-1, 1).to(DEVICE)

        loss = 0
        h0 = torch.zeros(encoder.num_layers, 1, encoder.hidden_size).to(DEVICE)
        c0 = torch.zeros(encoder.num_layers, 1, encoder.hidden_size).to(DEVICE)

        encoder_opt.zero_grad()
        decoder_opt.zero_grad()

        enc_output = torch.zeros(MAX_SENT_LEN, encoder.hidden_size)
        for k in range(source.size(0)):
            out, (h0, c0) = encoder(source[k].unsqueeze(0), h0, c0)
            enc_output[k] = out.squeeze()
        dec_input = torch.tensor([[deu_words.index("<sos>")]]).to(DEVICE)
        for k in range(target.size(0)):
            out, (h0, c0) = decoder(dec_input, h0, c0)
            _, max_idx = out.topk(1)
            dec_input = max_idx.squeeze().detach()
            loss += criterion(out, target[k])
            if dec_input.item() == deu_words.index("<eos>"):
                break
        loss.backward()
        encoder_opt.step()
        decoder_opt.step()
        epoch_losses.append(loss.item())
    per_sentence.append(epoch_losses)
    current_loss.append(loss.item())

train_seconds = time.perf_counter() - started

# Greedy translations of the first sources, as in the series' evaluation.
translations = []
with torch.no_grad():
    for j in range(min(args.translate, len(eng_sentences))):
        source = torch.tensor(eng_sentences[j], dtype=torch.long).view(-1, 1).to(DEVICE)
        h0 = torch.zeros(encoder.num_layers, 1, encoder.hidden_size).to(DEVICE)
        c0 = torch.zeros(encoder.num_layers, 1, encoder.hidden_size).to(DEVICE)
        for k in range(source.size(0)):
            out, (h0, c0) = encoder(source[k].unsqueeze(0), h0, c0)
        dec_input = torch.tensor([[deu_words.index("<sos>")]]).to(DEVICE)
        words = []
        for k in range(len(deu_sentences[j])):
            out, (h0, c0) = decoder(dec_input, h0, c0)
            _, max_idx = out.topk(1)
            dec_input = max_idx.squeeze().detach()
            words.append(dec_input.item())
            if dec_input.item() == deu_words.index("<eos>"):
                break
        translations.append(words)

json.dump(
    {
        "per_sentence": per_sentence,
        "current_loss": current_loss,
        "mean_loss": [sum(l) / len(l) for l in per_sentence],
        "translations": translations,
        "train_seconds": train_seconds,
        "torch_version": torch.__version__,
    },
    os.sys.stdout,
)
