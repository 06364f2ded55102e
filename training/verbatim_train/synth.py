"""Speech synthesis with Debian's offline TTS engines. Every (engine, voice, variant, rate, pitch)
combination is a "speaker". Whole voices are held out for testing (see HELD_OUT)."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SR = 16000
ESPEAK_SYS = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data")

ESPEAK_TRAIN_LANGS = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan",
                      "en-gb-x-gbcwmd", "en-us-nyc"]
ESPEAK_TEST_LANGS = ["en-029"]
# built-in espeak-ng variants never used in training (with any accent)
ESPEAK_TEST_VARIANTS = ["f4", "m6", "Annie", "aunty", "klatt4", "steph2", "edward2", "Alicia"]
FLITE_TRAIN = ["kal", "kal16", "awb", "rms"]
FLITE_TEST = ["slt"]
FESTIVAL_TRAIN = ["kal_diphone"]
FESTIVAL_TEST = ["ked_diphone", "cmu_us_slt_arctic_hts"]
HELD_OUT = {"espeak-ng": {"langs": ESPEAK_TEST_LANGS, "variants": ESPEAK_TEST_VARIANTS},
            "flite": FLITE_TEST, "festival": FESTIVAL_TEST}
_SKIP_VARIANTS = {"kal_diphone", "Demonic", "croak", "UniRobot", "anikaRobot", "Tweaky",
                  "robosoft", "robosoft2", "robosoft3", "robosoft4", "robosoft5", "robosoft6",
                  "robosoft7", "robosoft8", "whisper", "whisperf"}


def builtin_variants() -> list[str]:
    d = ESPEAK_SYS / "voices" / "!v"
    return sorted(p.name for p in d.iterdir() if p.name not in _SKIP_VARIANTS)


def make_espeak_data(root: Path, n_random: int, seed: int) -> Path:
    """Copy espeak-ng-data and add n_random random voice variants ("rv0000"...): each has its own
    vocal-tract scale (all formants shifted together, plus jitter), pitch, breathiness, roughness."""
    data = root / "espeak-ng-data"
    if not data.exists():
        shutil.copytree(ESPEAK_SYS, data, symlinks=True)
    rng = random.Random(seed)
    vdir = data / "voices" / "!v"
    for i in range(n_random):
        p = vdir / f"rv{i:04d}"
        female = rng.random() < 0.5
        vtl = rng.uniform(1.02, 1.22) if female else rng.uniform(0.86, 1.04)
        base = rng.randint(150, 230) if female else rng.randint(70, 140)
        lines = ["language variant", f"name rv{i:04d}", f"gender {'female' if female else 'male'}",
                 f"pitch {base} {base + rng.randint(40, 140)}"]
        for f in range(9):
            fr = int(100 * vtl * rng.uniform(0.95, 1.05))
            lines.append(f"formant {f} {fr} {int(rng.uniform(70, 130))} {int(rng.uniform(80, 160))}")
        if rng.random() < 0.3:
            lines.append(f"breath {' '.join(str(rng.randint(0, 30)) for _ in range(8))}")
            lines.append(f"breathw {' '.join(str(rng.randint(100, 300)) for _ in range(8))}")
        if rng.random() < 0.3:
            lines.append(f"flutter {rng.randint(0, 30)}")
        if rng.random() < 0.2:
            lines.append(f"roughness {rng.randint(0, 5)}")
        if rng.random() < 0.3:
            lines.append(f"voicing {rng.randint(60, 130)}")
            lines.append(f"consonants {rng.randint(70, 140)} {rng.randint(70, 140)}")
        if rng.random() < 0.2:
            lines.append("klatt " + str(rng.choice([1, 2, 3, 4, 6])))
        p.write_text("\n".join(lines) + "\n")
    return root


def sample_speaker(rng: random.Random, split: str, n_random: int, variants: list[str]) -> dict:
    """Random speaker spec for 'train' (seen voices) or 'heldout' (held-out voices)."""
    r = rng.random()
    if split == "train":
        if r < 0.72:
            v = f"rv{rng.randrange(n_random):04d}" if (rng.random() < 0.6 and n_random) else rng.choice(
                [x for x in variants if x not in ESPEAK_TEST_VARIANTS])
            return {"engine": "espeak-ng", "voice": rng.choice(ESPEAK_TRAIN_LANGS), "variant": v,
                    "rate": rng.randint(135, 195), "pitch": rng.randint(25, 75)}
        if r < 0.92:
            return {"engine": "flite", "voice": rng.choice(FLITE_TRAIN), "stretch": round(rng.uniform(0.85, 1.2), 2)}
        return {"engine": "festival", "voice": rng.choice(FESTIVAL_TRAIN), "stretch": round(rng.uniform(0.85, 1.2), 2)}
    if r < 0.4:
        return {"engine": "espeak-ng", "voice": rng.choice(ESPEAK_TEST_LANGS + ESPEAK_TRAIN_LANGS[:2]),
                "variant": rng.choice(ESPEAK_TEST_VARIANTS), "rate": rng.randint(140, 185),
                "pitch": rng.randint(35, 65)}
    if r < 0.7:
        return {"engine": "flite", "voice": rng.choice(FLITE_TEST), "stretch": round(rng.uniform(0.9, 1.1), 2)}
    return {"engine": "festival", "voice": rng.choice(FESTIVAL_TEST), "stretch": round(rng.uniform(0.9, 1.1), 2)}


def speaker_name(spk: dict) -> str:
    if spk["engine"] == "espeak-ng":
        return f"espeak-ng:{spk['voice']}+{spk['variant']}"
    return f"{spk['engine']}:{spk['voice']}"


def _run_tts(spk: dict, text: str, wav: str, espeak_root: str) -> None:
    e = spk["engine"]
    if e == "espeak-ng":
        cmd = ["espeak-ng", f"--path={espeak_root}", "-v", f"{spk['voice']}+{spk['variant']}",
               "-s", str(spk["rate"]), "-p", str(spk["pitch"]), "-w", wav, text]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    elif e == "flite":
        cmd = ["flite", "-voice", spk["voice"], "--setf", f"duration_stretch={spk['stretch']}",
               "-t", text, "-o", wav]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    elif e == "festival":
        ev = f"(begin (voice_{spk['voice']}) (Parameter.set 'Duration_Stretch {spk['stretch']}))"
        subprocess.run(["text2wave", "-eval", ev, "-o", wav], input=text.encode(), check=True,
                       capture_output=True, timeout=120)
    else:
        raise ValueError(e)


def load_16k(path: str) -> np.ndarray:
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:
        from math import gcd
        g = gcd(sr, SR)
        x = resample_poly(x, SR // g, sr // g).astype(np.float32)
    return x


def trim_silence(x: np.ndarray, keep: int = 2400) -> np.ndarray:
    """Trim leading/trailing near-silence, keeping up to 150 ms of it."""
    e = np.abs(x)
    thr = max(1e-3, 0.02 * float(e.max() if e.size else 0))
    idx = np.nonzero(e > thr)[0]
    if idx.size == 0:
        return x
    return x[max(0, idx[0] - keep): idx[-1] + keep]


def codec_roundtrip(x: np.ndarray, codec: str, kbps: int, sr: int = SR) -> np.ndarray:
    """ffmpeg MP3/Opus round trip at a low bitrate; returns 16 kHz float32."""
    with tempfile.TemporaryDirectory() as td:
        src, enc, dst = f"{td}/a.wav", f"{td}/a.{'mp3' if codec == 'mp3' else 'ogg'}", f"{td}/b.wav"
        sf.write(src, x, SR, subtype="PCM_16")
        ac = ["-c:a", "libmp3lame"] if codec == "mp3" else ["-c:a", "libopus"]
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", src, "-ar", str(sr), *ac,
                        "-b:a", f"{kbps}k", enc], check=True, timeout=60)
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", enc, "-ar", str(SR), "-ac", "1",
                        dst], check=True, timeout=60)
        y, _ = sf.read(dst, dtype="float32")
    return y


def _job(args):
    item, out_dir, espeak_root, codec_p = args
    wav = str(Path(out_dir) / f"{item['id']}.wav")
    rng = random.Random(item["id"])
    try:
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            _run_tts(item["speaker"], item["text"], tmp.name, espeak_root)
            x = trim_silence(load_16k(tmp.name))
        if x.size < 1600:
            return None
        x = 0.9 * x / max(1e-4, float(np.abs(x).max()))
        sf.write(wav, x, SR, subtype="PCM_16")
        out = dict(item, path=wav, seconds=round(x.size / SR, 3), speaker=speaker_name(item["speaker"]))
        if codec_p and rng.random() < codec_p:
            codec = rng.choice(["mp3", "opus"])
            kbps = rng.choice([8, 12, 16, 24]) if codec == "mp3" else rng.choice([6, 8, 12, 16])
            y = codec_roundtrip(x, codec, kbps, sr=rng.choice([8000, 16000]) if codec == "mp3" else 16000)
            cpath = wav[:-4] + f".{codec}{kbps}.wav"
            sf.write(cpath, y, SR, subtype="PCM_16")
            out["codec_path"] = cpath
        return out
    except Exception as exc:  # a voice failing on one sentence must not stop the run
        return {"error": str(exc)[:200], "id": item["id"]}


def synthesize(items: list[dict], out_dir: Path, espeak_root: Path, manifest: Path,
               workers: int = 2, codec_p: float = 0.0) -> list[dict]:
    """items: {id, text, split, speaker}. Appends to manifest (jsonl); skips ids already there (resume)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = set()
    if manifest.exists():
        done = {json.loads(l)["id"] for l in open(manifest)}
    todo = [i for i in items if i["id"] not in done]
    rows, errors = [], 0
    with open(manifest, "a") as mf, ProcessPoolExecutor(workers) as ex:
        for r in ex.map(_job, [(i, str(out_dir), str(espeak_root), codec_p) for i in todo], chunksize=8):
            if r is None:
                continue
            if "error" in r:
                errors += 1
                continue
            mf.write(json.dumps(r) + "\n")
            mf.flush()
            rows.append(r)
    if errors:
        print(f"synthesis: {errors} failures skipped", flush=True)
    return [json.loads(l) for l in open(manifest)]
