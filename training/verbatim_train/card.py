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
    boost = s.get("domain_boosting_lm_beam", {})
    boost_rows = "\n".join(
        f"| {d} | {100 * v['no_boost']['wer']:.1f}% | {100 * v['no_boost']['term_recall']['recall']:.0f}% | "
        f"{100 * v['boost']['wer']:.1f}% | {100 * v['boost']['term_recall']['recall']:.0f}% | {v['boost']['n']} |"
        for d, v in boost.items())
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
- Real speech it was not trained on: FSDD speakers theo and yweweler, greedy WER {100 * s.get('fsdd_heldout_speakers', {}).get('wer', 1):.0f}%
  (CER {100 * s.get('fsdd_heldout_speakers', {}).get('cer', 1):.0f}%) on single spoken digits
  (with the 3-gram LM beam: {100 * s.get('fsdd_heldout_speakers_lm_beam12_first200', {}).get('wer', 1):.0f}% on 200 of them). Held-out synthetic voices: WER {100 * s.get('heldout_voices', {}).get('wer', 1):.0f}% greedy. Targets of the issue
  (WER <= 10% seen voices, <= 20% held-out) are not met.
- The graph lifts quiet input (peak gain control, x min(0.5/peak, 10) when the peak exceeds 0.01). Noise-only
  input just above that floor can then produce a few spurious letters (the model was trained on speech, not on
  noise-only clips): segment with the runtime's VAD before decoding.
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
- Training: {tr['steps']} steps, {tr['audio_hours_processed']} h of (augmented) audio processed, {tr['wall_minutes']} min wall clock on a shared 2-core machine (1 torch thread + 1 augmentation process).

## Evaluation (greedy CTC of this ONNX file; WER/CER after the text normalisation)

| set | WER | CER | clips |
|---|---|---|---|
{chr(10).join(rows)}

Domain vocabulary boosting (Python reference prefix beam search, beam 12, 3-gram LM; boosted words of the
domain list get at least log10 P = -4 and +2 nats; the TypeScript runtime has its own boosting; the first 40
test clips of each domain, mostly seen voices):

| domain | WER no boost | term recall no boost | WER boosted | term recall boosted | clips |
|---|---|---|---|---|---|
{boost_rows}

Domain-term recall (greedy, no boosting): {', '.join(f"{k} {100 * v['recall']:.0f}% of {v['n_terms']}" for k, v in recall.items())}.
Speed: {s.get('rtf_x_realtime_onnx_1thread', '?')}x faster than real time in onnxruntime (Python) on one CPU thread.
Trailing zero padding (as the runtime pads batches): greedy CER on {s.get('trailing_zero_padding', {}).get('n', 0)} held-out clips {100 * s.get('trailing_zero_padding', {}).get('cer_unpadded', 0):.1f}% without, {100 * s.get('trailing_zero_padding', {}).get('cer_padded_2s', 0):.1f}% with 2 s of appended zeros (identical transcripts: {100 * s.get('trailing_zero_padding', {}).get('identical_transcripts', 0):.0f}%).
LM weights (tuned with a Python prefix beam search on a dev set): alpha {m['lm_weights']['alpha']}, beta {m['lm_weights']['beta']}, beam {m['lm_weights']['beam']}.
Pocketsphinx comparison: `bench/asr-compare.py` (see training/README.md).

Reproduce: `bash training/run.sh` (details, hours and commands in training/README.md). Card written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.
"""
    cmp_path = cfg["work"] / "asr_compare.json"
    if cmp_path.exists():
        c = json.loads(cmp_path.read_text())
        groups = [g for g in next(iter(c["systems"].values())) if g not in ("all", "x_realtime")]
        lines = ["", f"## Peer comparison: pocketsphinx (bench/asr-compare.py, {c['clips']} held-out clips, "
                 f"{c['audio_seconds'] / 60:.1f} min)", "",
                 "| system | " + " | ".join(f"WER {g}" for g in groups) + " | WER all | x real time |",
                 "|---|" + "---|" * (len(groups) + 2)]
        for name, r in c["systems"].items():
            lines.append(f"| {name} | " + " | ".join(f"{100 * r[g]['wer']:.1f}%" for g in groups)
                         + f" | {100 * r['all']['wer']:.1f}% | {r['x_realtime']}x |")
        text = text.replace("Pocketsphinx comparison: `bench/asr-compare.py` (see training/README.md).\n", "")
        text += "\n".join(lines) + "\n"
    (folder / "MODEL_CARD.md").write_text(text)
    print(f"wrote {folder / 'MODEL_CARD.md'}")
