"""CTC training with on-the-fly augmentation, checkpoint and resume (work/ckpt.pt)."""
from __future__ import annotations

import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from . import augment, data, text
from .model import CTCModel, n_params
from .synth import load_16k


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def load_rows(cfg, which="train"):
    rows = [json.loads(l) for l in open(cfg["work"] / "synth.jsonl")]
    return [r for r in rows if r["set"] == which]


def training_set(cfg):
    rows = load_rows(cfg, "train")
    fs = data.fsdd_split(cfg["fsdd_train_share"])["train"]
    if cfg.get("fsdd_limit"):
        fs = fs[:: max(1, len(fs) // cfg["fsdd_limit"])][: cfg["fsdd_limit"]]
    return rows, fs


def _read(path):
    x, sr = sf.read(path, dtype="int16")
    if sr != 16000 or x.ndim > 1:
        return (load_16k(path) * 32767).astype(np.int16)
    return x


class ClipStore:
    """All training audio in one contiguous int16 buffer (+ offsets), so the loader process forked
    from the trainer shares it copy-on-write instead of duplicating thousands of small arrays."""

    def __init__(self):
        self.audio = np.zeros(0, np.int16)
        self.offs = np.zeros(0, np.int64)
        self.lens = np.zeros(0, np.int64)
        self.alt_offs = np.zeros(0, np.int64)
        self.alt_lens = np.zeros(0, np.int64)
        self.labels: list[list[int]] = []
        self._pending: list = []

    def add(self, pcm, alt, label):
        self._pending.append((pcm, alt, label))

    def pack(self):
        if not self._pending:
            return
        pieces, offs, lens, aoffs, alens = [self.audio], [], [], [], []
        pos = self.audio.size
        for pcm, alt, label in self._pending:
            offs.append(pos); lens.append(pcm.size); pieces.append(pcm); pos += pcm.size
            if alt is not None:
                aoffs.append(pos); alens.append(alt.size); pieces.append(alt); pos += alt.size
            else:
                aoffs.append(-1); alens.append(0)
            self.labels.append(label)
        self.audio = np.concatenate(pieces)
        self.offs = np.concatenate([self.offs, np.array(offs, np.int64)])
        self.lens = np.concatenate([self.lens, np.array(lens, np.int64)])
        self.alt_offs = np.concatenate([self.alt_offs, np.array(aoffs, np.int64)])
        self.alt_lens = np.concatenate([self.alt_lens, np.array(alens, np.int64)])
        self._pending = []

    def __len__(self):
        return self.offs.size

    def __getitem__(self, i):
        o, n = self.offs[i], self.lens[i]
        alt = None
        if self.alt_offs[i] >= 0:
            alt = self.audio[self.alt_offs[i]: self.alt_offs[i] + self.alt_lens[i]]
        return self.audio[o: o + n], alt, self.labels[i]

    def hours(self):
        return float(self.lens.sum()) / 16000 / 3600


class Batches(torch.utils.data.IterableDataset):
    def __init__(self, clips, batch_seconds, seed, augment_on=True):
        self.clips, self.batch_seconds, self.seed, self.aug = clips, batch_seconds, seed, augment_on

    def __iter__(self):
        wi = torch.utils.data.get_worker_info()
        rng = np.random.default_rng(self.seed + (wi.id if wi else 0) + int(time.time()))
        lens = np.asarray(self.clips.lens)
        order = np.argsort(lens)
        while True:
            # bucket: random position in length order, take neighbours until batch_seconds
            start = rng.integers(0, len(order))
            maxlen = lens[order[start]] * 1.25 + 16000
            n = max(1, int(self.batch_seconds * 16000 / maxlen))
            idx = order[start: start + n]
            if idx.size < n:
                idx = order[-n:]
            babble = None
            auds, labs = [], []
            for i in idx:
                pcm, alt, lab = self.clips[i]
                if alt is not None and rng.random() < 0.5:
                    pcm = alt
                x = pcm.astype(np.float32) / 32768.0
                if self.aug:
                    if babble is None and rng.random() < 0.3:
                        j = order[rng.integers(len(order))]
                        babble = self.clips[j][0].astype(np.float32) / 32768.0
                    x = augment.random_augment(x, rng, babble=babble)
                auds.append(x)
                labs.append(lab)
            T = max(a.size for a in auds) + int(rng.integers(0, 8000))   # trailing zero padding, like the runtime
            audio = np.zeros((len(auds), T), np.float32)
            for k, a in enumerate(auds):
                audio[k, : a.size] = a
            targets = np.concatenate(labs).astype(np.int64)
            tlens = np.array([len(l) for l in labs], np.int64)
            yield torch.from_numpy(audio), torch.from_numpy(targets), torch.from_numpy(tlens)


def spec_augment(feats, rng):
    B, C, T = feats.shape
    for b in range(B):
        for _ in range(2):
            w = rng.randint(0, 12)
            f0 = rng.randint(0, C - w)
            feats[b, f0: f0 + w] = 0
        for _ in range(max(1, T // 150)):
            w = rng.randint(0, 10)
            t0 = rng.randint(0, max(1, T - w))
            feats[b, :, t0: t0 + w] = 0
    return feats


def greedy_cer(model, clips, limit=40):
    model.eval()
    errs = chars = 0
    with torch.no_grad():
        for pcm, lab_text in clips[:limit]:
            lp = model(torch.from_numpy(pcm.astype(np.float32) / 32768.0)[None])
            hyp = text.greedy_ctc(lp[0].argmax(-1).tolist())
            errs += text.edit_distance(hyp, lab_text)
            chars += len(lab_text)
    model.train()
    return errs / max(1, chars)


def run(cfg):
    tc = cfg["train"]
    # 2 threads max (shared machine); 1 is faster when the cores are oversubscribed (OpenMP barriers)
    torch.set_num_threads(int(os.environ.get("VERBATIM_TORCH_THREADS", "2")))
    torch.manual_seed(tc.get("seed", 1))
    work = cfg["work"]
    ckpt_path = work / "ckpt.pt"
    rows, fs = training_set(cfg)
    log(f"train clips: {len(rows)} synthetic, {len(fs)} fsdd")
    clips = ClipStore()
    for r in rows:
        alt = _read(r["codec_path"]) if r.get("codec_path") else None
        clips.add(_read(r["path"]), alt, text.encode(r["text"]))
    for r in fs:
        pcm = (load_16k(r["path"]) * 32767).astype(np.int16)
        for _ in range(2):
            clips.add(pcm, None, text.encode(r["text"]))
    clips.pack()
    hours = clips.hours()
    log(f"loaded {len(clips)} clips, {hours:.2f} h")
    # files list (which audio the model was trained on)
    with open(work / "train_files.txt", "w") as f:
        for r in fs:
            f.write(r["path"] + "\n")
    mon_rows = load_rows(cfg, "test_heldout")[:40]
    mon = [(_read(r["path"]), r["text"]) for r in mon_rows]

    model = CTCModel()
    opt = torch.optim.AdamW(model.parameters(), lr=tc["lr"], weight_decay=1e-2)
    state = {"step": 0, "elapsed": 0.0, "audio_seconds": 0.0, "history": []}
    if ckpt_path.exists():
        ck = torch.load(ckpt_path, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log(f"resumed at step {state['step']}")
    else:
        # fixed log-mel normalisation from a sample of augmented training audio
        rng = np.random.default_rng(0)
        feats = []
        with torch.no_grad():
            for i in rng.choice(len(clips), size=min(30 if cfg.get("smoke") else 200, len(clips)), replace=False):
                x = augment.random_augment(clips[i][0].astype(np.float32) / 32768.0, rng)
                feats.append(model.frontend(torch.from_numpy(x)[None])[0])
        f = torch.cat(feats, 1)
        model.frontend.mean.copy_(f.mean(1))
        model.frontend.std.copy_(f.std(1) + 1e-3)
    log(f"params {n_params(model)}")
    max_steps = tc.get("max_steps", 10 ** 9)
    max_sec = tc.get("max_minutes", 10 ** 6) * 60
    warm = min(tc.get("warmup", 300), max(1, max_steps // 10))
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    prng = random.Random(state["step"])
    t0 = time.time() - state["elapsed"]
    last_ck = last_refresh = time.time()
    ema = None
    n_synth = len(rows)
    model.train()
    done = False
    while not done:
        loader = torch.utils.data.DataLoader(Batches(clips, tc["batch_seconds"], tc.get("seed", 1) + state["step"]),
                                             batch_size=None, num_workers=1 if not cfg.get("smoke") else 0)
        for audio, targets, tlens in loader:
            elapsed = time.time() - t0
            frac = max(state["step"] / max_steps, elapsed / max_sec)
            if frac >= 1.0:
                done = True
                break
            lr = tc["lr"] * min(1.0, (state["step"] + 1) / warm) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
            for g in opt.param_groups:
                g["lr"] = lr
            with torch.no_grad():
                feats = model.features(audio)
            feats = spec_augment(feats, prng)
            lp = model.forward_features(feats)                     # [B, F, V]
            ilens = torch.full((lp.shape[0],), lp.shape[1], dtype=torch.long)
            loss = ctc(lp.transpose(0, 1), targets, ilens, tlens)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            state["step"] += 1
            state["audio_seconds"] += audio.shape[0] * audio.shape[1] / 16000
            ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
            if state["step"] % 25 == 0:
                log(f"step {state['step']} loss {ema:.3f} lr {lr:.2e} audio {state['audio_seconds'] / 3600:.2f} h "
                    f"elapsed {elapsed / 60:.1f} min")
            if state["step"] % 300 == 0:
                cer = greedy_cer(model, mon)
                state["history"].append({"step": state["step"], "loss": ema, "heldout_cer": cer})
                log(f"step {state['step']} monitor held-out CER {cer:.3f}")
            if time.time() - last_ck > 300:
                state["elapsed"] = time.time() - t0
                torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt_path)
                last_ck = time.time()
            if time.time() - last_refresh > 240:
                # synthesis may still be running (it appends to synth.jsonl): pick up new clips
                last_refresh = time.time()
                new_rows = load_rows(cfg, "train")[n_synth:]
                if new_rows:
                    for r in new_rows:
                        alt = _read(r["codec_path"]) if r.get("codec_path") else None
                        clips.add(_read(r["path"]), alt, text.encode(r["text"]))
                    clips.pack()
                    n_synth += len(new_rows)
                    rows.extend(new_rows)
                    hours = clips.hours()
                    log(f"added {len(new_rows)} new clips: {len(clips)} clips, {hours:.2f} h")
                    break
    state["elapsed"] = time.time() - t0
    state["final_loss"] = ema
    state["train_hours"] = hours
    state["n_synthetic_clips"] = n_synth
    state["n_train_clips"] = len(clips)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt_path)
    torch.save({"model": model.state_dict(), "config": model.config, "state": state}, work / "final.pt")
    log(f"training done: step {state['step']} loss {ema}")
