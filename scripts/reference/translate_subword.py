"""A subword model exported by `seq2seq export`, translated in PyTorch alone.

The folder holds encoder.pt, decoder.pt, src_vocab.json, tgt_vocab.json and the SentencePiece files (source.model and
target.model, or one joint.model). SentencePiece's ids are the network's indices (the vocabularies list the pieces
in id order, then <sos>/<eos> when the model has no such pieces), so a sentence is `sp.encode(text)` between the
markers, reversed as Sutskever et al. feed it; the output ids are pieces, and `sp.decode` makes them text.

    /usr/bin/python3 scripts/reference/translate_subword.py DIR "A sentence." ...
"""
import json
import os
import sys

import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(__file__))
from attention_model import AttentionDecoder, Encoder, greedy_decode  # noqa: E402


def count_layers(state):
    return sum(1 for k in state if k.startswith('lstm.weight_ih_l') and not k.endswith('_reverse'))


def attention_kind(state):
    if 'attention.query.weight' in state:
        return 'bahdanau'
    if 'attention.v.weight' in state:
        return 'luong-concat'
    if 'attention.W.weight' in state:
        return 'luong-general'
    if 'combine.weight' in state:
        return 'luong-dot'
    return 'none'


def load(folder):
    """The model, its SentencePiece processors and vocabularies, from an exported folder."""
    joint = os.path.join(folder, 'joint.model')
    if os.path.exists(joint):
        src_sp = tgt_sp = spm.SentencePieceProcessor(model_file=joint)
    else:
        src_sp = spm.SentencePieceProcessor(model_file=os.path.join(folder, 'source.model'))
        tgt_sp = spm.SentencePieceProcessor(model_file=os.path.join(folder, 'target.model'))
    src_vocab = json.load(open(os.path.join(folder, 'src_vocab.json')))
    tgt_vocab = json.load(open(os.path.join(folder, 'tgt_vocab.json')))
    for sp, vocab in ((src_sp, src_vocab), (tgt_sp, tgt_vocab)):
        assert [sp.id_to_piece(i) for i in range(sp.get_piece_size())] == vocab[: sp.get_piece_size()]
    enc_state = torch.load(os.path.join(folder, 'encoder.pt'), weights_only=True)
    dec_state = torch.load(os.path.join(folder, 'decoder.pt'), weights_only=True)
    bidirectional = 'lstm.weight_ih_l0_reverse' in enc_state
    embedding = enc_state['embedding.weight'].shape[1]
    hidden = dec_state['lstm.weight_hh_l0'].shape[1]
    layers = count_layers(dec_state)
    kind = attention_kind(dec_state)
    input_feed = kind.startswith('luong') and dec_state['lstm.weight_ih_l0'].shape[1] == embedding + hidden
    enc = Encoder(len(src_vocab), hidden, embedding, layers, bidirectional=bidirectional)
    dec = AttentionDecoder(len(tgt_vocab), hidden, embedding, layers, kind, input_feed)
    enc.load_state_dict(enc_state)
    dec.load_state_dict(dec_state)
    enc.eval()
    dec.eval()
    return enc, dec, src_sp, tgt_sp, src_vocab, tgt_vocab


def translate(folder, texts, max_steps=50):
    enc, dec, src_sp, tgt_sp, src_vocab, tgt_vocab = load(folder)
    sos, eos = src_vocab.index('<sos>'), src_vocab.index('<eos>')
    tsos, teos = tgt_vocab.index('<sos>'), tgt_vocab.index('<eos>')
    out = []
    for text in texts:
        ids = [sos] + src_sp.encode(text) + [eos]
        src = torch.tensor(ids[::-1]).view(-1, 1)
        words, _ = greedy_decode(enc, dec, src, torch.tensor([src.size(0)]), tsos, teos, max_steps)
        pieces = [tgt_vocab[i] for i in words[0]]
        if pieces and pieces[0] == '<sos>':
            pieces = pieces[1:]
        if pieces and pieces[-1] == '<eos>':
            pieces = pieces[:-1]
        out.append({'pieces': pieces, 'text': tgt_sp.decode_pieces(pieces)})
    return out


if __name__ == '__main__':
    for t in translate(sys.argv[1], sys.argv[2:]):
        print(t['text'])
