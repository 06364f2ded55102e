"""Augmentation for the audio customers really send. All functions take/return float32 16 kHz."""
from __future__ import annotations

import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

SR = 16000
_TEL_SOS = butter(6, [300, 3400], btype="bandpass", fs=8000, output="sos")
_SPEEDS = [(9, 10), (19, 20), (1, 1), (1, 1), (21, 20), (11, 10), (17, 20), (23, 20)]


def colored_noise(n: int, rng: np.random.Generator, kind: str) -> np.ndarray:
    w = rng.standard_normal(n).astype(np.float32)
    if kind == "white":
        return w
    spec = np.fft.rfft(w)
    f = np.arange(spec.size, dtype=np.float32) + 1.0
    spec = spec / (np.sqrt(f) if kind == "pink" else f)
    y = np.fft.irfft(spec, n).astype(np.float32)
    return y / (y.std() + 1e-8)


def add_noise(x, snr_db, rng, kind="white", noise=None):
    if noise is None:
        noise = colored_noise(x.size, rng, kind)
    elif noise.size < x.size:
        noise = np.resize(noise, x.size)
    else:
        noise = noise[: x.size]
    px = float(np.mean(x ** 2)) + 1e-10
    pn = float(np.mean(noise ** 2)) + 1e-10
    return (x + noise * np.sqrt(px / (pn * 10 ** (snr_db / 10)))).astype(np.float32)


def synthetic_ir(rng, rt60=None) -> np.ndarray:
    rt60 = rt60 or rng.uniform(0.15, 0.9)
    n = int(SR * min(1.2, rt60 * 1.2))
    t = np.arange(n) / SR
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[: int(0.002 * SR)] = 0
    ir[0] = 1.0 / rng.uniform(0.3, 1.5)   # direct path vs reverberant energy
    return (ir / np.sqrt(np.sum(ir ** 2))).astype(np.float32)


def reverb(x, rng, rt60=None):
    y = fftconvolve(x, synthetic_ir(rng, rt60))[: x.size]
    return (y * (np.abs(x).max() / (np.abs(y).max() + 1e-8))).astype(np.float32)


def telephone(x):
    y = resample_poly(x, 1, 2)
    y = sosfilt(_TEL_SOS, y)
    return resample_poly(y, 2, 1).astype(np.float32)[: x.size]


def speed(x, up, down):
    """Resampling trick: changes tempo and all frequencies together (vocal-tract-length-like)."""
    if up == down:
        return x
    return resample_poly(x, down, up).astype(np.float32)


def gain_clip(x, rng, clip_p=0.1):
    g = 10 ** (rng.uniform(-25, 6) / 20)
    y = x * g
    if rng.random() < clip_p:
        y = y * 10 ** (rng.uniform(3, 12) / 20)
    return np.clip(y, -1, 1).astype(np.float32)


def random_augment(x, rng: np.random.Generator, babble=None, strength=1.0) -> np.ndarray:
    up, down = _SPEEDS[rng.integers(len(_SPEEDS))]
    x = speed(x, up, down)
    # silence around the utterance (low noise or digital zero)
    pre, post = rng.integers(0, 6000), rng.integers(0, 6000)
    x = np.concatenate([np.zeros(pre, np.float32), x, np.zeros(post, np.float32)])
    if rng.random() < 0.3 * strength:
        x = reverb(x, rng)
    if rng.random() < 0.15 * strength:
        x = telephone(x)
    if rng.random() < 0.6 * strength:
        snr = rng.uniform(0, 30)
        if babble is not None and rng.random() < 0.3:
            x = add_noise(x, snr + 5, rng, noise=babble)
        else:
            x = add_noise(x, snr, rng, kind=("white", "pink", "brown")[rng.integers(3)])
    elif rng.random() < 0.5:
        x = add_noise(x, rng.uniform(35, 60), rng)      # faint floor
    return gain_clip(x, rng)


def degrade(x, kind: str, seed: int = 0) -> np.ndarray:
    """Deterministic test degradations."""
    rng = np.random.default_rng(seed)
    if kind == "noise10":
        return add_noise(x, 10, rng, kind="pink")
    if kind == "noise0":
        return add_noise(x, 0, rng, kind="white")
    if kind == "telephone":
        return telephone(x)
    if kind == "reverb":
        return reverb(x, rng, rt60=0.6)
    if kind == "mp3_16k":
        from .synth import codec_roundtrip
        return codec_roundtrip(x, "mp3", 16, sr=8000)
    if kind == "opus_8k":
        from .synth import codec_roundtrip
        return codec_roundtrip(x, "opus", 8)
    raise ValueError(kind)
