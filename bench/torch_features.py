"""Times torchaudio's feature extraction (load + MFCC + channel mean), the
reference pipeline of the original script, for bench/main.ts.

  /usr/bin/python3 torch_features.py AUDIO THREADS REPEATS

Prints one JSON line: the best and median seconds over REPEATS runs, after one
warm-up run (imports and first-call set-up are not counted).
"""
import json, sys, time
import torch, torchaudio
from torchaudio.transforms import MFCC


def extract(path):
    wav, sr = torchaudio.load(path)
    m = MFCC(sample_rate=sr, n_mfcc=12, melkwargs={'n_mels': 40, 'n_fft': 400, 'hop_length': 160})(wav)
    return m.mean(dim=0) if m.dim() > 2 else m


def main():
    path, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    extract(path)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        extract(path)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({'best_seconds': times[0], 'median_seconds': times[len(times) // 2], 'threads': threads}))


if __name__ == '__main__':
    main()
