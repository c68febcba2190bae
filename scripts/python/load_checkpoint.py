"""Load an audiopred run's model.safetensors into the original PyTorch model and
recompute its validation loss with the original pipeline (torchaudio MFCC,
scikit-learn StandardScaler), to check that it matches what audiopred reported.

  python3 scripts/python/load_checkpoint.py runs/20261129-101500-rnn-s12345

Needs torch, torchaudio and scikit-learn; uses the `safetensors` package when
installed and otherwise reads the (simple) file format itself. Prints one JSON
line: the loss recomputed here and the one in the run's summary.json.
"""
import json, struct, sys
from pathlib import Path

import numpy as np
import torch, torch.nn as nn
import torchaudio
from torchaudio.transforms import MFCC
from sklearn.preprocessing import StandardScaler


class AudioRNN(nn.Module):
    """The original script's model: nn.RNN(tanh) + Linear, state_dict names rnn.* and fc.*."""

    def __init__(self, dim=12, hidden=128):
        super().__init__()
        self.rnn = nn.RNN(dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc(self.rnn(x)[0])


def load_file(path):
    try:
        from safetensors.torch import load_file as st_load
        return st_load(path)
    except ImportError:  # the format: u64 header length, JSON header, raw little-endian data
        raw = Path(path).read_bytes()
        n = struct.unpack('<Q', raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        header.pop('__metadata__', None)
        data = raw[8 + n:]
        assert all(h['dtype'] == 'F32' for h in header.values())
        return {k: torch.from_numpy(np.frombuffer(data[h['data_offsets'][0]:h['data_offsets'][1]], dtype='<f4').copy()).reshape(h['shape'])
                for k, h in header.items()}


def main(run):
    run = Path(run)
    record = json.loads((run / 'config.json').read_text())
    summary = json.loads((run / 'summary.json').read_text())
    cfg = record['config']
    assert cfg['model'] == 'rnn' and cfg['normalize'] == 'frame', 'this check is for the original rnn with per-frame standardisation'

    model = AudioRNN(12, cfg['hidden'])
    model.load_state_dict(load_file(str(run / 'model.safetensors')))  # strict: names and shapes must match
    model.eval()

    wav, sr = torchaudio.load(record['audio']['path'])
    mfcc = MFCC(sample_rate=sr, n_mfcc=12, melkwargs={'n_mels': 40, 'n_fft': 400, 'hop_length': 160})(wav)
    if mfcc.dim() > 2:
        mfcc = mfcc.mean(dim=0)
    feats = StandardScaler().fit_transform(mfcc.numpy()).T.astype(np.float32)
    L = cfg['segment']
    n = feats.shape[0] // L
    seg = torch.from_numpy(feats[:n * L].reshape(n, L, -1))

    h = cfg['horizon']
    val = torch.tensor(summary['val_segments'])
    losses = []
    with torch.no_grad():
        for i in range(0, len(val), cfg['batch']):
            b = seg[val[i:i + cfg['batch']]]
            out = model(b[:, :-1])
            losses.append(nn.functional.mse_loss(out[:, :L - h], b[:, h:]).item())  # h = 2: out[:, :-1] vs target[:, 1:]
    print(json.dumps({'val_loss_pytorch': sum(losses) / len(losses), 'val_loss_audiopred': summary['final_val_loss']}))


if __name__ == '__main__':
    main(sys.argv[1])
