"""Acoustic model: log-mel front end inside the graph + conv (x3 time subsampling) + BiGRU + char CTC.

Input: float32 [batch, samples] 16 kHz PCM in [-1, 1]. Output: log-probs [batch, frames, tokens],
one frame per 480 samples (30 ms): frames = ceil(floor(samples / 160) / 3) <= ceil(samples / 480).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SR = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
SUBSAMPLE = 3
SAMPLES_PER_FRAME = HOP * SUBSAMPLE
AGC_TARGET, AGC_MAX_GAIN, AGC_FLOOR = 0.5, 10.0, 0.01


def mel_filterbank(n_mels=N_MELS, n_fft=N_FFT, sr=SR, fmin=40.0, fmax=7600.0) -> np.ndarray:
    def hz2mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel2hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)
    bins = np.linspace(0, sr / 2, n_fft // 2 + 1)
    pts = mel2hz(np.linspace(hz2mel(fmin), hz2mel(fmax), n_mels + 2))
    fb = np.zeros((n_mels, bins.size), dtype=np.float32)
    for i in range(n_mels):
        lo, c, hi = pts[i], pts[i + 1], pts[i + 2]
        up = (bins - lo) / (c - lo)
        down = (hi - bins) / (hi - c)
        fb[i] = np.maximum(0, np.minimum(up, down))
    return fb


class LogMel(nn.Module):
    """STFT as a fixed conv1d with a Hann-windowed DFT basis, power, mel matmul, log, fixed norm."""

    def __init__(self):
        super().__init__()
        n = np.arange(N_FFT)
        win = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)
        k = np.arange(N_FFT // 2 + 1)[:, None]
        ang = 2 * np.pi * k * n[None, :] / N_FFT
        basis = np.concatenate([np.cos(ang) * win, -np.sin(ang) * win], 0).astype(np.float32)
        self.register_buffer("basis", torch.from_numpy(basis)[:, None, :])   # [2*201, 1, 400]
        self.register_buffer("mel", torch.from_numpy(mel_filterbank()))       # [80, 201]
        self.register_buffer("mean", torch.zeros(N_MELS))
        self.register_buffer("std", torch.ones(N_MELS))

    def forward(self, audio):  # [B, T] -> [B, N_MELS, F]
        x = F.pad(audio[:, None, :], (120, 120))
        spec = F.conv1d(x, self.basis, stride=HOP)            # [B, 402, F]
        nb = N_FFT // 2 + 1
        power = spec[:, :nb] ** 2 + spec[:, nb:] ** 2
        mel = torch.matmul(self.mel, power)                   # [B, 80, F]
        logmel = torch.log(mel + 1e-6)
        return (logmel - self.mean[:, None]) / self.std[:, None]


class CTCModel(nn.Module):
    def __init__(self, n_tokens=29, conv=256, hidden=192, layers=2, dropout=0.15):
        super().__init__()
        self.frontend = LogMel()
        self.conv1 = nn.Conv1d(N_MELS, conv, 3, padding=1)
        self.bn1 = nn.BatchNorm1d(conv)
        self.conv2 = nn.Conv1d(conv, conv, 5, stride=SUBSAMPLE, padding=2)
        self.bn2 = nn.BatchNorm1d(conv)
        self.conv3 = nn.Conv1d(conv, conv, 3, padding=1)
        self.bn3 = nn.BatchNorm1d(conv)
        self.drop = nn.Dropout(dropout)
        self.rnn = nn.GRU(conv, hidden, num_layers=layers, batch_first=True, bidirectional=True,
                          dropout=dropout if layers > 1 else 0.0)
        self.out = nn.Linear(2 * hidden, n_tokens)
        self.config = {"conv": conv, "hidden": hidden, "layers": layers, "n_tokens": n_tokens}

    def features(self, audio):
        return self.frontend(audio)

    def forward_features(self, feats):
        x = F.relu(self.bn1(self.conv1(feats)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = x + F.relu(self.bn3(self.conv3(self.drop(x))))
        x = self.drop(x).transpose(1, 2)                       # [B, frames, conv]
        x, _ = self.rnn(x)
        return torch.log_softmax(self.out(self.drop(x)), dim=-1)

    def forward(self, audio):
        """Inference path (exported): per-utterance peak gain control, then front end and network.
        Quiet input (peak above AGC_FLOOR) is scaled to peak AGC_TARGET with at most AGC_MAX_GAIN;
        training audio already spans that range through gain augmentation, so training skips it."""
        peak = torch.amax(torch.abs(audio), dim=1, keepdim=True)
        gain = torch.clamp(AGC_TARGET / (peak + 1e-5), max=AGC_MAX_GAIN)
        gain = torch.where(peak > AGC_FLOOR, gain, torch.ones_like(gain))
        return self.forward_features(self.features(audio * gain))


def n_frames(n_samples: int) -> int:
    return math.ceil((n_samples // HOP) / SUBSAMPLE)


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
