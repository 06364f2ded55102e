"""MODEL_CARD.md for the exported model folder, from manifest.json and eval.json."""
from __future__ import annotations

import json
import time

from .export import MODEL_NAME


def _row(name, r):
    if isinstance(r, dict) and "wer" in r:
        return f"| {name} | {100 * r['wer']:.1f}% | {100 * r['cer']:.1f}% | {r['n']} |"
    return None


def run(cfg):
    folder = cfg["out_models"] / MODEL_NAME / cfg["version"]
    m = json.loads((folder / "manifest.json").read_text())
    ev = json.loads((folder / "eval.json").read_text()) if (folder / "eval.json").exists() else {"summary": {}}
    s = ev["summary"]
    tr = m["training"]
    rows = [r for r in (_row(k, v) for k, v in s.items()) if r]
    recall = s.get("domain_term_recall_greedy", {})
    text = f"""# {m['name']} {m['version']} — model card

The default speech model Verbatim ships: a small character-CTC acoustic model ({tr['params']:,} parameters)
with its log-mel front end inside `model.onnx`, a word 3-gram LM (`lm.arpa`), a lexicon and three
domain vocabularies. Raw 16 kHz mono float PCM in, `log_probs` [batch, frames, 29 tokens] out, one frame
per {m['samples_per_frame']} samples ({m['samples_per_frame'] // 16} ms).

## Limits — read this first

- **It has never heard a real human voice except the Free Spoken Digit Dataset's spoken digits.**
  All sentence-level training speech is synthetic (espeak-ng, flite, festival). On real human speech
  of real sentences expect it to be poor; it is a default that makes the platform work end to end,
  not a production recogniser.
- Vocabulary and style follow the training text: interview-style templates, template sentences over the
  medicine / social-science / software term lists, and fortunes-min sentences.
- For real customers load a real model through the manifest: put a folder with the same manifest schema
  (a bigger CTC model with `family: "ctc"`, or a Whisper-family export as the runtime documents) into the
  model store under `models/<name>/<version>/`, point `CURRENT` (or the service's model setting) at it.
  Nothing else changes.

## Data

- Synthetic speech: {tr['synthetic_clips']:,} clips, {tr['synthetic_hours']} h, {tr['synthetic_speakers']} distinct synthetic
  speakers (engine + voice + variant; espeak-ng accents x built-in and {400} randomly generated voice
  variants with their own formant scaling, pitch and breathiness; flite kal, kal16, awb, rms; festival kal_diphone),
  random rate / pitch / duration stretch. Augmented on the fly: speed/VTL resampling (0.85-1.15), noise 0-30 dB SNR
  (white/pink/brown/babble), synthetic reverb, telephone band (300-3400 Hz at 8 kHz), gain and clipping, and for
  20% of clips a precomputed MP3 (8-24 kbit/s) or Opus (6-16 kbit/s) round trip.
- Held-out voices (never trained on): {tr['held_out_voices']}.
- Real speech: **Free Spoken Digit Dataset** (Zohar Jackson et al., github.com/Jakobovski/free-spoken-digit-dataset,
  CC BY-SA 4.0). {tr['fsdd_clips']} recordings of speakers george, jackson, lucas, nicolas were used in training
  (list: `{tr['fsdd_files_list']}`); speakers theo and yweweler were never trained on and are the real-speech test set.
- Text: templates written for this project, the term lists in training/data/, and fortunes-min (Debian).
- Training: {tr['steps']} steps, {tr['audio_hours_processed']} h of (augmented) audio processed, {tr['wall_minutes']} min on 2 CPU cores.

## Evaluation (greedy CTC of this ONNX file; WER/CER after the text normalisation)

| set | WER | CER | clips |
|---|---|---|---|
{chr(10).join(rows)}

Domain-term recall (greedy, no boosting): {', '.join(f"{k} {100 * v['recall']:.0f}% of {v['n_terms']}" for k, v in recall.items())}.
Speed: {s.get('rtf_x_realtime_onnx_1thread', '?')}x faster than real time in onnxruntime (Python) on one CPU thread.
Trailing zero padding (2 s) leaves the greedy transcript unchanged for {100 * s.get('trailing_zero_padding_agreement', 0):.0f}% of clips.
LM weights (tuned with a Python prefix beam search on a dev set): alpha {m['lm_weights']['alpha']}, beta {m['lm_weights']['beta']}, beam {m['lm_weights']['beam']}.
Pocketsphinx comparison: `bench/asr-compare.py` (see training/README.md).

Reproduce: `bash training/run.sh` (details, hours and commands in training/README.md). Card written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.
"""
    (folder / "MODEL_CARD.md").write_text(text)
    print(f"wrote {folder / 'MODEL_CARD.md'}")
