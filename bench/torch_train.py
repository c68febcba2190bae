# Copied from the reference folder (shared/reference/tools/torch_train.py: rnn, gru, lstm, mlp,
# transformer), unchanged but for these lines, the --model choices in the usage line and the
# dispatch of the online units (linear, esn, esn-rls, eprop) to their twins in torch_online.py
# (marked "bench:"). Run by bench/main.ts side by side with audiopred.
"""The reference audio-prediction task in PyTorch, for side-by-side comparison.

Same pipeline and defaults as the original example: torchaudio MFCC (12 coeffs,
40 mels, n_fft 400, hop 160), channel mean, per-frame standardisation, 500-frame
segments, 75/25 random split, batch 16, nn.RNN(tanh, 128) + Linear, AdamW(lr 1e-3),
MSE of output[:, :-1] against target[:, 1:]. Prints one JSON line per epoch and a
closing JSON line with timings.

  /usr/bin/python3 torch_train.py --file AUDIO [--epochs N] [--seed S] [--threads T] [--model rnn|gru|lstm|mlp|transformer|linear|esn|esn-rls|eprop]

gru/lstm: nn.GRU/nn.LSTM(hidden) + Linear; transformer: the fixture's causal pre-norm decoder
(width = --hidden, 4 heads, 2 layers, feed-forward 2 x width, learned positions), as audiopred's.
"""
import argparse, json, random, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
import torchaudio
from torchaudio.transforms import MFCC
from sklearn.preprocessing import StandardScaler
from torch_online import ONLINE_UNITS, train_online  # bench: the online units' twins


def load_segments(path, segment_length):
    wav, sr = torchaudio.load(path)
    mfcc = MFCC(sample_rate=sr, n_mfcc=12, melkwargs={'n_mels': 40, 'n_fft': 400, 'hop_length': 160})(wav)
    if mfcc.dim() > 2:
        mfcc = mfcc.mean(dim=0)
    feats = StandardScaler().fit_transform(mfcc.numpy()).T.astype(np.float32)
    n = feats.shape[0] // segment_length
    return feats[:n * segment_length].reshape(n, segment_length, -1)


class RNNModel(nn.Module):
    def __init__(self, dim, hidden, cell=nn.RNN):
        super().__init__()
        self.rnn = cell(dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc(self.rnn(x)[0])


class MLPModel(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.l1, self.l2 = nn.Linear(dim, 2 * dim), nn.Linear(2 * dim, dim)

    def forward(self, x):
        return F.normalize(self.l2(F.gelu(self.l1(x))) + x, dim=-1) * (x.shape[-1] ** 0.5)


class TransformerModel(nn.Module):
    def __init__(self, dim, width, heads=4, layers=2, max_len=500):
        super().__init__()
        self.inp = nn.Linear(dim, width)
        self.pos = nn.Parameter(torch.randn(max_len, width) * 0.02)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(width, heads, dim_feedforward=2 * width, dropout=0.0,
                                     activation='gelu', batch_first=True, norm_first=True) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, dim)

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.full((t, t), float('-inf')), diagonal=1)
        h = self.inp(x) + self.pos[:t]
        for layer in self.layers:
            h = layer(h, src_mask=mask)
        return self.out(self.norm(h))


def make_model(name, dim, hidden, segment):
    if name == 'rnn': return RNNModel(dim, hidden)
    if name == 'gru': return RNNModel(dim, hidden, nn.GRU)
    if name == 'lstm': return RNNModel(dim, hidden, nn.LSTM)
    if name == 'mlp': return MLPModel(dim)
    if name == 'transformer': return TransformerModel(dim, hidden, max_len=segment)
    raise SystemExit(f'unknown model {name}')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--file', required=True)
    p.add_argument('--epochs', type=int, default=1000)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--hidden', type=int, default=128)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--segment', type=int, default=500)
    p.add_argument('--seed', type=int, default=12345)
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--model', default='rnn')
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    random.seed(a.seed); np.random.seed(a.seed); torch.manual_seed(a.seed)
    t0 = time.time()
    seg = torch.from_numpy(load_segments(a.file, a.segment))
    t_feat = time.time() - t0
    x_all, y_all = seg[:, :-1], seg[:, 1:]
    n_val = int(len(seg) * 0.25)
    perm = torch.randperm(len(seg))
    tr, va = perm[n_val:], perm[:n_val]
    if a.model in ONLINE_UNITS:  # bench: the online units' twins share the data, split and JSON lines
        return train_online(a, seg, tr, va, t_feat)
    model = make_model(a.model, seg.shape[2], a.hidden, a.segment)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr)
    print(json.dumps({'dataset_shape': list(seg.shape), 'train': len(tr), 'val': len(va),
                      'params': sum(q.numel() for q in model.parameters()), 'threads': torch.get_num_threads()}), flush=True)
    t1 = time.time()
    for ep in range(a.epochs):
        model.train()
        order = tr[torch.randperm(len(tr))]
        tot, nb = 0.0, 0
        for i in range(0, len(order), a.batch):
            idx = order[i:i + a.batch]
            opt.zero_grad()
            loss = F.mse_loss(model(x_all[idx])[:, :-1], y_all[idx][:, 1:])
            loss.backward(); opt.step()
            tot += loss.item(); nb += 1
        model.eval()
        with torch.no_grad():
            vl = F.mse_loss(model(x_all[va])[:, :-1], y_all[va][:, 1:]).item()
        print(json.dumps({'epoch': ep + 1, 'train_loss': tot / nb, 'val_loss': vl}), flush=True)
    dt = time.time() - t1
    print(json.dumps({'done': True, 'feature_seconds': t_feat, 'train_seconds': dt,
                      'epochs_per_second': a.epochs / dt}), flush=True)


if __name__ == '__main__':
    main()
