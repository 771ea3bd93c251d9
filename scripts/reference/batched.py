"""Batched training of the notebook's model in plain PyTorch: the reference for seq2seq-node's batched mode.

Replays an exported run (data.json, init.pt) over the batches in plan.json, written the way a PyTorch user
writes it: pad_sequence, pack_padded_sequence for the sources, one LSTM call over the teacher-forced targets
(or a step loop when the decoder is fed its own guesses), NLLLoss with ignore_index, clip_grad_norm_, and the
notebook's two Adam optimizers (or torch.optim.SGD with momentum, a learning rate set before each update, and
gradient accumulation, as plan.json's options say). The model classes are the notebook's (their modules, their
state-dict keys).

Regularisation, when plan.json's options ask for it: label smoothing is F.cross_entropy's label_smoothing; tied
embeddings are `decoder.embedding.weight = decoder.dense.weight`; dropout is placed as OpenNMT-py places it (on the
embeddings, between LSTM layers as nn.LSTM's dropout, on the decoder's output before the dense layer) with
F.dropout's own arithmetic (a bernoulli_(1 - p) mask divided by 1 - p) drawn from a torch.Generator seeded with
each epoch's seed from plan.json, the LSTM layers run one at a time over padded outputs: the masks seq2seq-node
draws, in the same order.

Models with attention or a bidirectional encoder (their kind read from init.pt's keys, as src/io/interop.ts reads
it) are scripts/reference/attention_model.py's Encoder and AttentionDecoder, trained plainly: teacher forcing
(its `teacher_forced` step loop, as a PyTorch user writes Luong input feeding), NLLLoss, clip_grad_norm_, Adam or
SGD; no dropout, label smoothing or accumulation there.

--checkpoints DIR: after each epoch, torch.save of both models' and both optimizers' state dicts into DIR/last.pt
(written to a temporary file, then renamed), timed apart from the epoch (`save_seconds`), and no final.pt or
grads.pt: what a training script does end to end (the benchmark times the whole process).

Mixed precision (plan options precision "bf16"): the forward of each batch runs under torch.autocast(bfloat16),
the backward after it, as PyTorch's AMP examples write it; nn.LSTM runs as seq2seq-node's CPU kernel runs it under
autocast (scripts/reference/autocast_lstm.py: bf16 products, float32 gates and state) and the output layer's
logits are widened to float32 before the log-softmax and the loss.

--autocast-plain (the benchmark's PyTorch side, `npm run bench -- --precision fp32,bf16`): the forward under
torch.autocast(bfloat16) whatever the plan's precision, nn.LSTM left as PyTorch runs it there, as a PyTorch user
writes it (torch 1.13 runs it in float32 on the CPU, torch 2.x in bf16 through oneDNN); not a parity reference.

usage: /usr/bin/python3 scripts/reference/batched.py RUNDIR [--device cpu] [--threads N] [--checkpoints DIR]
       [--autocast-plain] > result.json
result: {"epochs": [{"losses": [...], "tokens": [...], "seconds": s, "save_seconds": s}], "model": kind}; final
weights in RUNDIR/final.pt, the last batch's gradients in RUNDIR/grads.pt
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

parser = argparse.ArgumentParser()
parser.add_argument("rundir")
parser.add_argument("--device", default="cpu")
parser.add_argument("--threads", type=int, default=0)
parser.add_argument("--checkpoints")
parser.add_argument("--autocast-plain", action="store_true")
args = parser.parse_args()
if args.threads > 0:
    torch.set_num_threads(args.threads)

with open(os.path.join(args.rundir, "data.json")) as f:
    data = json.load(f)
with open(os.path.join(args.rundir, "plan.json")) as f:
    plan = json.load(f)
sources, targets = data["sources"], data["targets"]  # sources already reversed
deu_words = data["tgt_vocab"]
config = data["config"]
opts = plan["options"]
DEVICE = torch.device(args.device)
SOS, EOS, IGNORE = deu_words.index("<sos>"), deu_words.index("<eos>"), -100


class Encoder(nn.Module):
    def __init__(self, vocab_size, hidden_size, embedding_dim, num_layers):
        super(Encoder, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers)


class Decoder(nn.Module):
    def __init__(self, vocab_size, hidden_size, embedding_dim, num_layers):
        super(Decoder, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers)
        self.dense = nn.Linear(hidden_size, vocab_size)
        self.softmax = nn.LogSoftmax(dim=1)


def attention_kind(state):
    """The decoder's attention, from which layers its state dict has (attention_model.py's keys)."""
    if "decoder.attention.query.weight" in state:
        return "bahdanau"
    if "decoder.combine.weight" not in state:
        return "none"
    if "decoder.attention.v.weight" in state:
        return "luong-concat"
    return "luong-general" if "decoder.attention.W.weight" in state else "luong-dot"


init = torch.load(os.path.join(args.rundir, "init.pt"))
DTYPE = next(iter(init.values())).dtype  # float32, or float64 for exact comparisons
KIND = attention_kind(init)
BIDIRECTIONAL = "encoder.lstm.weight_ih_l0_reverse" in init
ATTENTION = KIND != "none" or BIDIRECTIONAL
if ATTENTION:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import attention_model  # noqa: E402

    # Input feeding shows in the decoder LSTM's input width (embedding + hidden).
    input_feed = init["decoder.lstm.weight_ih_l0"].shape[1] == config["embedding"] + config["hidden"]
    encoder = attention_model.Encoder(
        len(data["src_vocab"]), config["hidden"], config["embedding"], config["layers"], BIDIRECTIONAL
    ).to(DEVICE, DTYPE)
    decoder = attention_model.AttentionDecoder(
        len(deu_words), config["hidden"], config["embedding"], config["layers"], KIND, input_feed
    ).to(DEVICE, DTYPE)
else:
    encoder = Encoder(len(data["src_vocab"]), config["hidden"], config["embedding"], config["layers"]).to(DEVICE, DTYPE)
    decoder = Decoder(len(deu_words), config["hidden"], config["embedding"], config["layers"]).to(DEVICE, DTYPE)
encoder.load_state_dict({k[len("encoder."):]: v for k, v in init.items() if k.startswith("encoder.")})
decoder.load_state_dict({k[len("decoder."):]: v for k, v in init.items() if k.startswith("decoder.")})
P = opts.get("dropout", 0.0)
SMOOTHING = opts.get("labelSmoothing", 0.0)
if opts.get("tieEmbeddings", False):
    decoder.embedding.weight = decoder.dense.weight
generator = torch.Generator(device=DEVICE)
BF16 = args.autocast_plain or opts.get("precision", "fp32") == "bf16"
if BF16 and not args.autocast_plain:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import autocast_lstm  # noqa: E402

    autocast_lstm.install()


def autocast():
    return torch.autocast(DEVICE.type, dtype=torch.bfloat16, enabled=BF16)


def dense(x):
    """The output layer's logits in the weights' dtype (widened from bf16 under autocast)."""
    return decoder.dense(x).to(DTYPE)


def drop(x):
    """F.dropout(x, P) in training, its mask drawn from `generator`."""
    if P == 0:
        return x
    noise = torch.empty_like(x).bernoulli_(1 - P, generator=generator)
    noise.div_(1 - P)
    return x * noise


def single_layers(lstm):
    """One-layer LSTMs holding the layers' own parameters (not registered: parameters() stays the model's)."""
    layers = []
    for l in range(lstm.num_layers):
        layer = nn.LSTM(lstm.input_size if l == 0 else lstm.hidden_size, lstm.hidden_size).to(DEVICE, DTYPE)
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            setattr(layer, kind + "_l0", getattr(lstm, f"{kind}_l{l}"))
        layers.append(layer)
    return layers


LAYERS = {id(m): single_layers(m) for m in (encoder.lstm, decoder.lstm)}


def run_lstm(lstm, x, state, lengths=None):
    """lstm(x, state) with dropout P between layers: output (padded), (h, c)."""
    if P == 0 or lstm.num_layers == 1:
        if lengths is None:
            return lstm(x, state)
        out, hc = lstm(pack_padded_sequence(x, lengths, enforce_sorted=False), state)
        return pad_packed_sequence(out, total_length=x.size(0))[0], hc
    hs, cs = [], []
    for l, layer in enumerate(LAYERS[id(lstm)]):
        if l > 0:
            x = drop(x)
        hc = (state[0][l : l + 1], state[1][l : l + 1])
        if lengths is None:
            x, (h, c) = layer(x, hc)
        else:
            out, (h, c) = layer(pack_padded_sequence(x, lengths, enforce_sorted=False), hc)
            x = pad_packed_sequence(out, total_length=x.size(0))[0]
        hs.append(h)
        cs.append(c)
    return x, (torch.cat(hs), torch.cat(cs))


def scored_loss(logits, target):
    """The summed training loss of one step or sequence: NLL, or the label-smoothed cross-entropy."""
    if SMOOTHING > 0:
        return F.cross_entropy(logits, target, ignore_index=IGNORE, reduction="sum", label_smoothing=SMOOTHING)
    return F.nll_loss(decoder.softmax(logits), target, ignore_index=IGNORE, reduction="sum")


def make_optimizer(params):
    # plan options: optimizer adam (default) or sgd (momentum), weightDecay: what seq2seq-node's options make.
    if opts.get("optimizer", "adam") == "sgd":
        return torch.optim.SGD(
            params, lr=config["lr"], momentum=opts.get("momentum", 0), weight_decay=opts.get("weightDecay", 0)
        )
    return torch.optim.Adam(params, lr=config["lr"], weight_decay=opts.get("weightDecay", 0))


encoder_opt = make_optimizer(encoder.parameters())
decoder_opt = make_optimizer(decoder.parameters())
ratio = opts["teacherForcing"]
ACCUMULATE = opts.get("accumulate", 1)
if ATTENTION and (ratio < 1 or P > 0 or SMOOTHING > 0 or ACCUMULATE > 1 or opts.get("tieEmbeddings", False)):
    sys.exit("batched.py: attention models are trained teacher-forced without regularisation or accumulation here")


def train_batch_attention(indices):
    """One teacher-forced batch of an attention model: forward over every step, backward, clip, step."""
    B = len(indices)
    src = [torch.tensor(sources[i]) for i in indices]
    lengths = torch.tensor([len(s) for s in src])
    src = pad_sequence(src).to(DEVICE)  # [S, B]
    scored = [targets[i] if opts["scoreSos"] else targets[i][1:] for i in indices]
    tgt = pad_sequence([torch.tensor(t) for t in scored], padding_value=IGNORE).to(DEVICE)  # [T, B]
    inp = torch.cat([torch.full((1, B), SOS, device=DEVICE), tgt[:-1].clamp(min=0)])
    encoder_opt.zero_grad()
    decoder_opt.zero_grad()
    with autocast():
        log_probs, _ = attention_model.teacher_forced(encoder, decoder, src, lengths, inp)  # [T, B, V]
    loss_sum = F.nll_loss(log_probs.view(-1, log_probs.size(2)), tgt.view(-1), ignore_index=IGNORE, reduction="sum")
    tokens = (tgt != IGNORE).sum().to(DTYPE)
    loss = loss_sum / tokens.clamp(min=1) if opts["normalize"] == "tokens" else loss_sum / B
    loss.backward()
    step()
    return loss_sum.detach(), tokens


def train_batch(indices, teacher, group=None):
    """One batch's forward and backward; with `group` (accumulation: the (tokens, sentences) of the batches
    whose update this batch shares), the loss is scaled by the group's count and no step is taken."""
    B = len(indices)
    src = [torch.tensor(sources[i]) for i in indices]
    lengths = torch.tensor([len(s) for s in src])
    src = pad_sequence(src).to(DEVICE)  # [S, B]
    scored = [targets[i] if opts["scoreSos"] else targets[i][1:] for i in indices]
    tgt = pad_sequence([torch.tensor(t) for t in scored], padding_value=IGNORE).to(DEVICE)  # [T, B]
    inp = torch.cat([torch.full((1, B), SOS, device=DEVICE), tgt[:-1].clamp(min=0)])  # <sos>, then shifted

    if group is None:
        encoder_opt.zero_grad()
        decoder_opt.zero_grad()
    with autocast():
        if P > 0:
            zeros = torch.zeros(encoder.num_layers, B, encoder.hidden_size, device=DEVICE, dtype=DTYPE)
            _, (h, c) = run_lstm(encoder.lstm, drop(encoder.embedding(src)), (zeros, zeros), lengths)
        else:
            packed = pack_padded_sequence(encoder.embedding(src), lengths, enforce_sorted=False)
            _, (h, c) = encoder.lstm(packed)
        if ratio >= 1 and (P > 0 or SMOOTHING > 0):
            out, _ = run_lstm(decoder.lstm, drop(decoder.embedding(inp)), (h, c))
            loss_sum = scored_loss(dense(drop(out).view(-1, decoder.hidden_size)), tgt.view(-1))
            tokens = (tgt != IGNORE).sum().to(DTYPE)
        elif ratio >= 1:
            out, _ = decoder.lstm(decoder.embedding(inp), (h, c))
            out = decoder.softmax(dense(out.view(-1, decoder.hidden_size)))
            loss_sum = F.nll_loss(out, tgt.view(-1), ignore_index=IGNORE, reduction="sum")
            tokens = (tgt != IGNORE).sum().to(DTYPE)
        else:
            free = ratio <= 0
            loss_sum = torch.zeros((), device=DEVICE, dtype=DTYPE)
            tokens = torch.zeros((), device=DEVICE, dtype=DTYPE) if free else (tgt != IGNORE).sum().to(DTYPE)
            alive = torch.ones(B, dtype=torch.bool, device=DEVICE)
            x = inp[0]
            for t in range(tgt.size(0)):
                out, (h, c) = run_lstm(decoder.lstm, drop(decoder.embedding(x)).view(1, B, -1), (h, c))
                logits = dense(drop(out.squeeze(0)))
                out = decoder.softmax(logits)
                guess = out.topk(1)[1].squeeze(1).detach()
                target = tgt[t]
                if free:
                    target = torch.where(alive, target, torch.full_like(target, IGNORE))
                    tokens = tokens + (target != IGNORE).sum().to(DTYPE)
                    alive = alive & (guess != EOS)
                loss_sum = loss_sum + scored_loss(logits, target)
                if t + 1 == tgt.size(0):
                    break
                if free and not (alive & (tgt[t + 1] != IGNORE)).any():
                    break
                x = inp[t + 1] if (not free and teacher[t + 1]) else guess
    if group is not None:
        # Gradient accumulation as PyTorch users write it: each micro-batch's loss divided by the whole update's
        # count, backward into the same .grad, one step after the last (teacher-forced: counts known up front).
        (loss_sum / (group[0] if opts["normalize"] == "tokens" else group[1])).backward()
        return loss_sum.detach(), tokens
    loss = loss_sum / tokens.clamp(min=1) if opts["normalize"] == "tokens" else loss_sum / B
    loss.backward()
    step()
    return loss_sum.detach(), tokens


def step():
    if opts["clip"] > 0:
        torch.nn.utils.clip_grad_norm_(list(encoder.parameters()) + list(decoder.parameters()), opts["clip"])
    encoder_opt.step()
    decoder_opt.step()


def scored_tokens(indices):
    return sum(len(targets[i]) - (0 if opts["scoreSos"] else 1) for i in indices)


def train_epoch(batches, rates):
    """The epoch's updates: ACCUMULATE batches each, at the plan's rate of each update (if it gives them)."""
    results = []
    for u, first in enumerate(range(0, len(batches), ACCUMULATE)):
        if rates is not None:
            for optimizer in (encoder_opt, decoder_opt):
                for g in optimizer.param_groups:
                    g["lr"] = rates[u]
        group = batches[first : first + ACCUMULATE]
        if ATTENTION:
            results.append(train_batch_attention(group[0]["indices"]))
            continue
        if ACCUMULATE == 1:
            results.append(train_batch(group[0]["indices"], group[0].get("teacher")))
            continue
        assert ratio >= 1, "accumulation reference: teacher-forced only (token counts known up front)"
        encoder_opt.zero_grad()
        decoder_opt.zero_grad()
        counts = (sum(scored_tokens(b["indices"]) for b in group), sum(len(b["indices"]) for b in group))
        results += [train_batch(b["indices"], b.get("teacher"), counts) for b in group]
        step()
    return results


epochs = []
for e, batches in enumerate(plan["epochs"]):
    if P > 0:
        generator.manual_seed(plan["dropoutSeeds"][e])
    started = time.perf_counter()
    results = train_epoch(batches, plan["lrs"][e] if "lrs" in plan else None)
    losses = [l.item() for l, _ in results]
    tokens = [t.item() for _, t in results]
    seconds = time.perf_counter() - started
    save_seconds = 0.0
    if args.checkpoints:
        started = time.perf_counter()
        os.makedirs(args.checkpoints, exist_ok=True)
        checkpoint = {
            "encoder": encoder.state_dict(),
            "decoder": decoder.state_dict(),
            "encoder_optimizer": encoder_opt.state_dict(),
            "decoder_optimizer": decoder_opt.state_dict(),
            "epoch": e + 1,
        }
        path = os.path.join(args.checkpoints, "last.pt")
        torch.save(checkpoint, path + ".tmp")
        os.replace(path + ".tmp", path)
        save_seconds = time.perf_counter() - started
    epochs.append({"losses": losses, "tokens": tokens, "seconds": seconds, "save_seconds": save_seconds})

if args.checkpoints:
    json.dump({"epochs": epochs, "model": KIND}, sys.stdout)
    sys.exit(0)
state = {"encoder." + k: v for k, v in encoder.state_dict().items()}
state.update({"decoder." + k: v for k, v in decoder.state_dict().items()})
torch.save(state, os.path.join(args.rundir, "final.pt"))
# The last batch's gradients (after clipping), by parameter: a tied weight once, as named_parameters() lists it.
grads = {"encoder." + k: p.grad for k, p in encoder.named_parameters()}
grads.update({"decoder." + k: p.grad for k, p in decoder.named_parameters()})
torch.save(grads, os.path.join(args.rundir, "grads.pt"))
json.dump({"epochs": epochs, "model": KIND}, sys.stdout)
