"""The notebook's Encoder and Decoder classes and its greedy decoding, unchanged, for scripts and tests to import.

("Attention in Neural Networks - 6. Sequence-to-Sequence (Seq2Seq) (5)", Buomsoo Kim, 2020.) A model that
seq2seq-node exports (`seq2seq export`) loads into these classes with `load_state_dict`, and state dicts of
these classes import into seq2seq-node (`seq2seq import`).
"""
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, vocab_size, hidden_size, embedding_dim, num_layers):
        super(Encoder, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers)

    def forward(self, x, h0, c0):
        x = self.embedding(x).view(1, 1, -1)
        out, (h0, c0) = self.lstm(x, (h0, c0))
        return out, (h0, c0)


class Decoder(nn.Module):
    def __init__(self, vocab_size, hidden_size, embedding_dim, num_layers):
        super(Decoder, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers)
        self.dense = nn.Linear(hidden_size, vocab_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, x, h0, c0):
        x = self.embedding(x).view(1, 1, -1)
        x, (h0, c0) = self.lstm(x, (h0, c0))
        x = self.softmax(self.dense(x.squeeze(0)))
        return x, (h0, c0)


def greedy_decode(encoder, decoder, source, deu_words, max_steps, device="cpu"):
    """The notebook's evaluation: encode the (reversed) source token by token, feed <sos>, take topk(1) each
    step, stop at <eos> or after max_steps. Returns the predicted indices, <eos> included when reached."""
    with torch.no_grad():
        h0 = torch.zeros(encoder.num_layers, 1, encoder.hidden_size).to(device)
        c0 = torch.zeros(encoder.num_layers, 1, encoder.hidden_size).to(device)
        src = torch.tensor(source).view(-1, 1).to(device)
        for k in range(src.size(0)):
            _, (h0, c0) = encoder(src[k].unsqueeze(0), h0, c0)
        dec_input = torch.tensor([[deu_words.index("<sos>")]]).to(device)
        out_words = []
        for k in range(max_steps):
            out, (h0, c0) = decoder(dec_input, h0, c0)
            _, max_idx = out.topk(1)
            dec_input = max_idx.squeeze().detach()
            out_words.append(dec_input.item())
            if dec_input.item() == deu_words.index("<eos>"):
                break
        return out_words
