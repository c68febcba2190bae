"""Golden fixtures from the PyTorch/torchaudio reference pipeline: the numbers the tests in
test/audio and test/models hold audiopred to (test/fixtures/README.md lists the files).

Where it came from: the project's shared reference folder, shared/reference/tools/make_fixtures.py,
which made every fixture in test/fixtures with PyTorch 1.13.1 / torchaudio 0.13.1 (Debian 12's
python3-torch, python3-torchaudio, python3-sklearn). The computation below is that script's,
unchanged; only the command line is new, so that it runs from the repository.

  python3 scripts/python/make_fixtures.py --out /tmp/fx     # everything, into a folder of your choice
  python3 scripts/python/make_fixtures.py                   # into test/fixtures/: refuses if any file it
                                                            # would write is there already
  python3 scripts/python/make_fixtures.py --overwrite       # into test/fixtures/, replacing them
  python3 scripts/python/make_fixtures.py --models-only --out /tmp/fx   # models.json only, no audio

Audio defaults to test/fixtures/audio/speech.flac and chord-stereo.flac; give other files as
arguments. For each it writes NAME.mfcc.f32 (torchaudio MFCC, channels averaged, shape
[n_mfcc, frames]), NAME.features.f32 (after the reference's per-frame standardisation, shape
[frames, n_mfcc]) and NAME.json (shapes, decoder facts); and models.json with the output,
loss, gradients and five AdamW steps of each reference model. All .f32 files are
little-endian float32, C order.

Adding a new model's fixture:
  1. Write the PyTorch model as a small nn.Module below (as RNNModel, MLPModel and
     TransformerModel are), with the state_dict names your audiopred unit's layout uses:
     the test loads the case's parameters by those names and shapes.
  2. Append `case('your-name', YourModel(...), x, y)` at the END of the list in models():
     the cases draw their initial parameters one after another from one seeded stream, so a
     case added anywhere else changes the numbers of every case after it.
  3. Run it into a temporary folder and check that the existing cases did not change
     (compare the old and new models.json case by case), then copy models.json to
     test/fixtures/ (or run it with --overwrite).
  4. In the unit's test, `fixtureCase('your-name')` (test/models/check.ts) gives the case, and
     `assertMatchesFixture` / `assertAdamWMatchesFixture` compare output, loss, gradients and
     AdamW steps with it (test/models/gru.test.ts is a short example).
  The fixture records the PyTorch version it was made with (notes.torch); another version may
  differ in the last bits, within the tests' tolerances.
"""
import argparse, hashlib, json, os, sys

try:
    import numpy as np
    import torch, torch.nn as nn, torch.nn.functional as F
    import torchaudio
    from torchaudio.transforms import MFCC
    from sklearn.preprocessing import StandardScaler
except ImportError as err:
    sys.exit(f'make_fixtures.py needs numpy, PyTorch, torchaudio and scikit-learn ({err}); '
             'on Debian: apt install python3-torch python3-torchaudio python3-sklearn')

N_MFCC, N_MELS, N_FFT, HOP = 12, 40, 400, 160


def features(path, out_dir):
    name = os.path.splitext(os.path.basename(path))[0]
    wav, sr = torchaudio.load(path)
    mfcc = MFCC(sample_rate=sr, n_mfcc=N_MFCC,
                melkwargs={'n_mels': N_MELS, 'n_fft': N_FFT, 'hop_length': HOP})(wav)
    if mfcc.dim() > 2:
        mfcc = mfcc.mean(dim=0)
    m = mfcc.numpy().astype(np.float32)
    scaled = StandardScaler().fit_transform(m).T.astype(np.float32)   # [frames, n_mfcc]
    m.tofile(os.path.join(out_dir, name + '.mfcc.f32'))
    np.ascontiguousarray(scaled).tofile(os.path.join(out_dir, name + '.features.f32'))
    seg = scaled.shape[0] // 500
    meta = {
        'audio': os.path.basename(path),
        'audio_sha256': hashlib.sha256(open(path, 'rb').read()).hexdigest(),
        'sample_rate': sr, 'channels': wav.shape[0], 'samples_per_channel': wav.shape[1],
        'first_samples': wav[:, :8].tolist(),
        'sum_of_squares': float((wav.double() ** 2).sum()),
        'mfcc_params': {'n_mfcc': N_MFCC, 'n_mels': N_MELS, 'n_fft': N_FFT, 'hop_length': HOP,
                        'window': 'hann (periodic)', 'center': True, 'pad_mode': 'reflect',
                        'power': 2.0, 'mel_scale': 'htk', 'mel_norm': None,
                        'to_db': 'power, amin 1e-10, top_db 80 over the whole file (all channels)',
                        'dct': 'type II, ortho'},
        'mfcc_shape': list(m.shape), 'features_shape': list(scaled.shape),
        'dataset_shape': [seg, 500, N_MFCC],
        'torch': torch.__version__, 'torchaudio': torchaudio.__version__,
    }
    json.dump(meta, open(os.path.join(out_dir, name + '.json'), 'w'), indent=1)
    print(name, meta['dataset_shape'])


class RNNModel(nn.Module):
    def __init__(self, cell, dim, hidden):
        super().__init__()
        self.rnn = cell(dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc(self.rnn(x)[0])


class MLPModel(nn.Module):
    """The reference AudioMLP, with its state_dict names (encode.fn.net.0 / .2):
    sqrt(d) * normalize(Linear(2d,d)(GELU(Linear(d,2d)(x))) + x)."""
    def __init__(self, dim):
        super().__init__()
        self.encode = nn.Module()
        self.encode.fn = nn.Module()
        self.encode.fn.net = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        y = self.encode.fn.net(x) + x
        return F.normalize(y, dim=-1) * (x.shape[-1] ** 0.5)


class TransformerModel(nn.Module):
    """Causal pre-norm transformer decoder: Linear(F->W) + learned positions, L encoder layers
    (norm_first, GELU, no dropout) under a causal mask, final LayerNorm, Linear(W->F)."""
    def __init__(self, dim, width, heads, layers, max_len):
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


def case(name, model, x, y, steps=5):
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    out = model(x)
    loss = F.mse_loss(out[:, :-1, :], y[:, 1:, :])
    model.zero_grad(); loss.backward()
    grads = {k: v.grad.detach().clone() for k, v in model.named_parameters()}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)  # weight_decay 0.01, betas (0.9, 0.999), eps 1e-8
    after, losses = [], []
    for _ in range(steps):
        opt.zero_grad()
        l = F.mse_loss(model(x)[:, :-1, :], y[:, 1:, :])
        l.backward(); opt.step(); losses.append(float(l))
        after.append({k: v.detach().clone().flatten().tolist() for k, v in model.named_parameters()})
    flat = lambda d: {k: {'shape': list(v.shape), 'data': v.flatten().tolist()} for k, v in d.items()}
    return {'model': name, 'input_shape': list(x.shape),
            'input': x.flatten().tolist(), 'target': y.flatten().tolist(),
            'loss_alignment': 'mse(output[:, :-1, :], target[:, 1:, :]) where target = input shifted by one frame',
            'params': flat(params), 'output': out.detach().flatten().tolist(), 'loss': float(loss), 'grads': flat(grads),
            'adamw': {'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 0.01,
                      'losses_before_each_step': losses, 'params_after_step': [after[0], after[-1]],
                      'steps_recorded': [1, steps]}}


def models(out_dir):
    torch.manual_seed(7)
    dim, hidden, batch, t = 12, 16, 3, 24
    seq = torch.randn(batch, t + 1, dim)
    x, y = seq[:, :-1, :].contiguous(), seq[:, 1:, :].contiguous()
    cases = [case('rnn_tanh', RNNModel(nn.RNN, dim, hidden), x, y),
             case('gru', RNNModel(nn.GRU, dim, hidden), x, y),
             case('lstm', RNNModel(nn.LSTM, dim, hidden), x, y),
             case('mlp', MLPModel(dim), x, y),
             case('transformer', TransformerModel(dim, 16, 2, 2, t), x, y)]
    notes = {'parameter_names': 'PyTorch state_dict names; gate order is PyTorch\'s (GRU: r,z,n; LSTM: i,f,g,o)',
             'transformer': 'width 16, 2 heads, 2 layers, feed-forward 32, pre-norm, exact GELU, causal mask, '
                            'learned positions pos[:T]; self_attn.in_proj_weight stacks q, k, v; LayerNorm eps 1e-5',
             'torch': torch.__version__}
    json.dump({'notes': notes, 'cases': cases}, open(os.path.join(out_dir, 'models.json'), 'w'))
    print('models', [c['model'] for c in cases])


REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
FIXTURES = os.path.join(REPO, 'test', 'fixtures')
DEFAULT_AUDIO = [os.path.join(FIXTURES, 'audio', 'speech.flac'), os.path.join(FIXTURES, 'audio', 'chord-stereo.flac')]


def outputs(audio, models_only):
    """The file names a run writes."""
    names = [] if models_only else [os.path.splitext(os.path.basename(p))[0] + ext
                                    for p in audio for ext in ('.mfcc.f32', '.features.f32', '.json')]
    return names + ['models.json']


def main(argv):
    parser = argparse.ArgumentParser(description='Write the PyTorch/torchaudio fixtures (see the top of this file).')
    parser.add_argument('audio', nargs='*', help='audio files (default: test/fixtures/audio/speech.flac and chord-stereo.flac)')
    parser.add_argument('--out', help='output folder (default: test/fixtures, which needs --overwrite if the files exist)')
    parser.add_argument('--overwrite', action='store_true', help='replace fixture files that are already there')
    parser.add_argument('--models-only', action='store_true', help='write models.json only')
    args = parser.parse_args(argv)
    audio = args.audio or DEFAULT_AUDIO
    out = args.out or FIXTURES
    if not args.overwrite:
        there = [n for n in outputs(audio, args.models_only) if os.path.exists(os.path.join(out, n))]
        if there:
            sys.exit(f'{out} already has {", ".join(there)}: pass --overwrite to replace them, or --out DIR to write elsewhere')
    os.makedirs(out, exist_ok=True)
    if not args.models_only:
        for p in audio:
            features(p, out)
    models(out)


if __name__ == '__main__':
    main(sys.argv[1:])
