"""Build a tiny, randomly initialised Whisper and export it in the layout of the public
Whisper ONNX conversions (optimum / onnx-community `whisper-*`), as a test fixture for the
TypeScript runtime in packages/asr/src/whisper.

What it writes (default: packages/asr/test/fixtures/whisper-tiny-random/):

    encoder_model.onnx           input_features [B, n_mels, 3000] -> last_hidden_state [B, 1500, d]
    decoder_model_merged.onnx    input_ids, encoder_hidden_states, past_key_values.N.{decoder,encoder}.{key,value},
                                 use_cache_branch -> logits, present.N.{decoder,encoder}.{key,value}
    tokenizer.json, vocab.json, merges.txt, added_tokens.json, special_tokens_map.json, tokenizer_config.json
    config.json, generation_config.json, preprocessor_config.json
    manifest.json                Verbatim's model manifest (family "whisper", files, sha256 checksums)
    reference/                   what the TypeScript tests compare against: a short synthetic signal, the
                                 log-mel features transformers' WhisperFeatureExtractor computes for it, and
                                 the token ids that a greedy decode produces (checked here twice: an
                                 onnxruntime decode of the exported files and transformers' own
                                 `generate` of the PyTorch model must agree)

The weights are random: the model checks shapes, the key/value cache, the tokenizer and timestamp
handling, never accuracy. Run through `bash training/whisper/export_tiny.sh`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GenerationConfig, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUT = REPO / "packages" / "asr" / "test" / "fixtures" / "whisper-tiny-random"

SEED = 0
BPE_VOCAB = 640  # byte-level BPE text tokens (256 bytes + merges); ids 0..N-1 like GPT-2's 0..50256
LANGUAGES = ["en", "de", "es", "fr"]  # the real multilingual vocabulary has 99 (100 in large-v3)
N_TIMESTAMPS = 1501  # <|0.00|> ... <|30.00|> in steps of 0.02 s
OPSET = 17


# --------------------------------------------------------------------------------------------
# Tokenizer: byte-level BPE + Whisper's special tokens, ids laid out like the real vocabulary
# (text tokens, then <|endoftext|>, <|startoftranscript|>, languages, tasks, ..., <|notimestamps|>,
# then the timestamp tokens)
# --------------------------------------------------------------------------------------------

def build_tokenizer() -> tuple[Tokenizer, dict]:
    lines = (HERE / "corpus.txt").read_text(encoding="utf-8").splitlines()
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=BPE_VOCAB,
        min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    # Train on each sentence with and without the leading space Whisper's text carries.
    tok.train_from_iterator([" " + ln for ln in lines] + lines, trainer=trainer)
    n_text = tok.get_vocab_size()

    specials = ["<|endoftext|>", "<|startoftranscript|>"]
    specials += [f"<|{lang}|>" for lang in LANGUAGES]
    specials += ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    timestamps = [f"<|{i * 0.02:.2f}|>" for i in range(N_TIMESTAMPS)]
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in timestamps])

    ids = {s: tok.token_to_id(s) for s in specials}
    assert ids["<|endoftext|>"] == n_text, "special tokens must follow the text tokens"
    assert tok.token_to_id("<|0.00|>") == ids["<|notimestamps|>"] + 1
    assert tok.token_to_id("<|30.00|>") == ids["<|notimestamps|>"] + N_TIMESTAMPS
    # Like the real tokenizer.json: a template that wraps plain encodes in the transcription prefix.
    tok.post_processor = processors.TemplateProcessing(
        single="<|startoftranscript|> <|notimestamps|> $A <|endoftext|>",
        pair="<|startoftranscript|> <|notimestamps|> $A $B <|endoftext|>",
        special_tokens=[("<|startoftranscript|>", ids["<|startoftranscript|>"]), ("<|notimestamps|>", ids["<|notimestamps|>"]), ("<|endoftext|>", ids["<|endoftext|>"])],
    )
    return tok, {"n_text": n_text, "ids": ids, "specials": specials}


def non_speech_tokens(tok: Tokenizer) -> list[int]:
    """openai/whisper tokenizer.non_speech_tokens, for this vocabulary."""
    enc = lambda s: tok.encode(s, add_special_tokens=False).ids  # noqa: E731
    symbols = list('"#()*+/:;<=>@[\\]^_`{|}~「」『』')
    symbols += "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split()
    miscellaneous = set("♩♪♫♬♭♮♯")
    result = {enc(" -")[0], enc(" '")[0]}
    for symbol in symbols + sorted(miscellaneous):
        for tokens in [enc(symbol), enc(" " + symbol)]:
            if len(tokens) == 1 or symbol in miscellaneous:
                result.add(tokens[0])
    return sorted(result)


# --------------------------------------------------------------------------------------------
# Export modules: the Whisper computation written out over the HF module's weights, with the
# cache as explicit tensors (checked against the HF forward below)
# --------------------------------------------------------------------------------------------

def _heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    b, t, c = x.shape
    return x.reshape(b, t, n_heads, c // n_heads).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    w = torch.matmul(q, k.transpose(-1, -2))
    if mask is not None:
        w = w + mask
    return torch.matmul(torch.softmax(w, dim=-1), v)


class EncoderExport(torch.nn.Module):
    def __init__(self, model: WhisperForConditionalGeneration):
        super().__init__()
        self.enc = model.model.encoder
        self.h = model.config.encoder_attention_heads

    def forward(self, input_features: torch.Tensor) -> torch.Tensor:
        e = self.enc
        x = F.gelu(e.conv1(input_features))
        x = F.gelu(e.conv2(x))
        x = x.permute(0, 2, 1) + e.embed_positions.weight
        for layer in e.layers:
            a = layer.self_attn
            r = x
            hs = layer.self_attn_layer_norm(x)
            q = _heads(a.q_proj(hs) * a.scaling, self.h)
            k = _heads(a.k_proj(hs), self.h)
            v = _heads(a.v_proj(hs), self.h)
            x = r + a.out_proj(_merge(_attend(q, k, v, None)))
            r = x
            hs = layer.final_layer_norm(x)
            x = r + layer.fc2(F.gelu(layer.fc1(hs)))
        return e.layer_norm(x)


class _DecoderCore(torch.nn.Module):
    def __init__(self, model: WhisperForConditionalGeneration):
        super().__init__()
        self.dec = model.model.decoder
        self.proj = model.proj_out
        self.h = model.config.decoder_attention_heads

    def run(self, input_ids, cross_kv, past_self):
        """cross_kv: [(k, v)] per layer; past_self: [(k, v)] per layer or None."""
        d = self.dec
        t = input_ids.shape[1]
        p = past_self[0][0].shape[2] if past_self is not None else 0
        positions = torch.arange(t, device=input_ids.device) + p
        x = d.embed_tokens(input_ids) + d.embed_positions.weight[positions]
        q_pos = positions.unsqueeze(1)
        k_pos = torch.arange(t + p, device=input_ids.device).unsqueeze(0)
        mask = torch.zeros((t, t + p), dtype=x.dtype).masked_fill(k_pos > q_pos, float("-inf"))
        presents = []
        for i, layer in enumerate(d.layers):
            a = layer.self_attn
            r = x
            hs = layer.self_attn_layer_norm(x)
            q = _heads(a.q_proj(hs) * a.scaling, self.h)
            k = _heads(a.k_proj(hs), self.h)
            v = _heads(a.v_proj(hs), self.h)
            if past_self is not None:
                k = torch.cat([past_self[i][0], k], dim=2)
                v = torch.cat([past_self[i][1], v], dim=2)
            x = r + a.out_proj(_merge(_attend(q, k, v, mask)))
            c = layer.encoder_attn
            r = x
            hs = layer.encoder_attn_layer_norm(x)
            q = _heads(c.q_proj(hs) * c.scaling, self.h)
            x = r + c.out_proj(_merge(_attend(q, cross_kv[i][0], cross_kv[i][1], None)))
            r = x
            hs = layer.final_layer_norm(x)
            x = r + layer.fc2(F.gelu(layer.fc1(hs)))
            presents.append((k, v))
        logits = self.proj(d.layer_norm(x))
        return logits, presents


class DecoderNoPast(_DecoderCore):
    def forward(self, input_ids, encoder_hidden_states):
        cross = []
        for layer in self.dec.layers:
            c = layer.encoder_attn
            cross.append((_heads(c.k_proj(encoder_hidden_states), self.h), _heads(c.v_proj(encoder_hidden_states), self.h)))
        logits, presents = self.run(input_ids, cross, None)
        out = [logits]
        for (k, v), (ck, cv) in zip(presents, cross):
            out += [k, v, ck, cv]
        return tuple(out)


class DecoderWithPast(_DecoderCore):
    def forward(self, input_ids, *past):
        n = len(self.dec.layers)
        self_kv = [(past[4 * i], past[4 * i + 1]) for i in range(n)]
        cross = [(past[4 * i + 2], past[4 * i + 3]) for i in range(n)]
        logits, presents = self.run(input_ids, cross, self_kv)
        out = [logits]
        for (k, v), (ck, cv) in zip(presents, cross):
            # optimum's merged decoders output placeholders here; we pass the cached values through
            out += [k, v, ck * 1.0, cv * 1.0]
        return tuple(out)


def kv_names(n_layers: int, prefix: str) -> list[str]:
    return [f"{prefix}.{i}.{part}.{kv}" for i in range(n_layers) for part in ("decoder", "encoder") for kv in ("key", "value")]


def export_models(model: WhisperForConditionalGeneration, out: Path, work: Path) -> None:
    cfg = model.config
    n = cfg.decoder_layers
    h = cfg.decoder_attention_heads
    hd = cfg.d_model // h
    feats = torch.zeros(1, cfg.num_mel_bins, 2 * cfg.max_source_positions)

    torch.onnx.export(
        EncoderExport(model), (feats,), str(out / "encoder_model.onnx"), dynamo=False, opset_version=OPSET,
        input_names=["input_features"], output_names=["last_hidden_state"],
        dynamic_axes={"input_features": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}},
    )

    enc = torch.randn(1, cfg.max_source_positions, cfg.d_model)
    ids = torch.tensor([[1, 2, 3]], dtype=torch.long)
    past_in = kv_names(n, "past_key_values")
    present = kv_names(n, "present")
    dyn = {"input_ids": {0: "batch_size", 1: "decoder_sequence_length"}, "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for name in present:
        is_dec = ".decoder." in name
        dyn[name] = {0: "batch_size", 2: "past_decoder_sequence_length + decoder_sequence_length" if is_dec else "encoder_sequence_length_out"}
    dyn_np = dict(dyn, encoder_hidden_states={0: "batch_size", 1: "encoder_sequence_length / 2"})
    torch.onnx.export(
        DecoderNoPast(model), (ids, enc), str(work / "decoder_model.onnx"), dynamo=False, opset_version=OPSET,
        input_names=["input_ids", "encoder_hidden_states"], output_names=["logits"] + present, dynamic_axes=dyn_np,
    )
    past = []
    for name in past_in:
        is_dec = ".decoder." in name
        past.append(torch.randn(1, h, 5 if is_dec else cfg.max_source_positions, hd))
        dyn[name] = {0: "batch_size", 2: "past_decoder_sequence_length" if is_dec else "encoder_sequence_length_out"}
    torch.onnx.export(
        DecoderWithPast(model), (ids[:, :1], *past), str(work / "decoder_with_past_model.onnx"), dynamo=False, opset_version=OPSET,
        input_names=["input_ids"] + past_in, output_names=["logits"] + present, dynamic_axes=dyn,
    )
    merged = merge_decoders(onnx.load(str(work / "decoder_model.onnx")), onnx.load(str(work / "decoder_with_past_model.onnx")), n, h, hd, cfg.d_model)
    onnx.checker.check_model(merged)
    onnx.save(merged, str(out / "decoder_model_merged.onnx"))


def merge_decoders(no_past: onnx.ModelProto, with_past: onnx.ModelProto, n_layers: int, n_heads: int, head_dim: int, d_model: int) -> onnx.ModelProto:
    """One graph with an If on `use_cache_branch`, as optimum's merge_decoders builds it: the
    weights live once in the outer graph and both branches read them from the outer scope."""
    TF = onnx.TensorProto
    past_in = kv_names(n_layers, "past_key_values")
    present = kv_names(n_layers, "present")
    outer_inputs = [
        helper.make_tensor_value_info("input_ids", TF.INT64, ["batch_size", "decoder_sequence_length"]),
        helper.make_tensor_value_info("encoder_hidden_states", TF.FLOAT, ["batch_size", "encoder_sequence_length / 2", d_model]),
    ]
    for name in past_in:
        seq = "past_decoder_sequence_length" if ".decoder." in name else "encoder_sequence_length_out"
        outer_inputs.append(helper.make_tensor_value_info(name, TF.FLOAT, ["batch_size", n_heads, seq, head_dim]))
    outer_inputs.append(helper.make_tensor_value_info("use_cache_branch", TF.BOOL, [1]))
    outer_names = {vi.name for vi in outer_inputs}

    initializers: list[onnx.TensorProto] = []
    by_content: dict[tuple, str] = {}

    def branch(model: onnx.ModelProto, prefix: str) -> onnx.GraphProto:
        g = model.graph
        rename: dict[str, str] = {}
        for init in g.initializer:
            arr = numpy_helper.to_array(init)
            key = (init.data_type, tuple(init.dims), arr.tobytes())
            if key not in by_content:
                name = f"weights.{len(by_content)}.{init.name}".replace("::", "_")
                t = numpy_helper.from_array(arr, name)
                initializers.append(t)
                by_content[key] = name
            rename[init.name] = by_content[key]

        def mapped(name: str) -> str:
            if name == "" or name in outer_names:
                return name
            return rename.get(name, prefix + name)

        nodes = []
        for node in g.node:
            for attr in node.attribute:
                if attr.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                    raise RuntimeError("nested subgraphs are not expected in the decoder export")
            new = onnx.NodeProto()
            new.CopyFrom(node)
            new.name = prefix + (node.name or f"node{len(nodes)}")
            del new.input[:]
            new.input.extend(mapped(i) for i in node.input)
            del new.output[:]
            new.output.extend(prefix + o if o else o for o in node.output)
            nodes.append(new)
        outputs = []
        produced = {o for nd in nodes for o in nd.output}
        for want, out in zip(["logits"] + present, g.output):
            assert out.name == want, (out.name, want)
            src = mapped(out.name)
            if src not in produced:  # an output that is an input or a weight: copy it into the branch
                nodes.append(helper.make_node("Identity", [src], [prefix + "out." + want], name=prefix + "Identity." + want))
                src = prefix + "out." + want
            outputs.append(helper.make_tensor_value_info(src, out.type.tensor_type.elem_type, None))
        return helper.make_graph(nodes, prefix.rstrip("_") + "_branch", [], outputs)

    else_branch = branch(no_past, "no_past_")
    then_branch = branch(with_past, "with_past_")
    if_node = helper.make_node("If", ["use_cache_branch"], ["logits"] + present, name="optimum::if", then_branch=then_branch, else_branch=else_branch)
    outer_outputs = [helper.make_tensor_value_info("logits", TF.FLOAT, ["batch_size", "decoder_sequence_length", None])]
    for name in present:
        seq = "past_decoder_sequence_length + 1" if ".decoder." in name else "encoder_sequence_length_out"
        outer_outputs.append(helper.make_tensor_value_info(name, TF.FLOAT, ["batch_size", n_heads, seq, head_dim]))
    # The tied output projection is exported as a folded transposed copy of the token embedding;
    # store it once and transpose at load time (onnxruntime folds the Transpose away again).
    pre_nodes = []
    by_name = {t.name: numpy_helper.to_array(t) for t in initializers}
    key_of = {(t.data_type, tuple(by_name[t.name].shape), by_name[t.name].tobytes()): t.name for t in initializers}
    kept = []
    for t in initializers:
        arr = by_name[t.name]
        if arr.ndim == 2 and arr.size > 4096:
            src = key_of.get((t.data_type, tuple(arr.T.shape), np.ascontiguousarray(arr.T).tobytes()))
            if src is not None and src != t.name and src not in {n.output[0] for n in pre_nodes}:
                pre_nodes.append(helper.make_node("Transpose", [src], [t.name], name="transpose." + t.name, perm=[1, 0]))
                continue
        kept.append(t)
    graph = helper.make_graph(pre_nodes + [if_node], "merged_decoder", outer_inputs, outer_outputs, initializer=kept)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="verbatim-training-whisper")
    model.ir_version = no_past.ir_version
    return model


# --------------------------------------------------------------------------------------------
# Reference decode with onnxruntime (the algorithm the TypeScript runtime implements)
# --------------------------------------------------------------------------------------------

class OrtWhisper:
    def __init__(self, out: Path, gen: dict, n_layers: int, n_heads: int, head_dim: int):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        self.enc = ort.InferenceSession(str(out / "encoder_model.onnx"), so, providers=["CPUExecutionProvider"])
        self.dec = ort.InferenceSession(str(out / "decoder_model_merged.onnx"), so, providers=["CPUExecutionProvider"])
        self.gen = gen
        self.n, self.h, self.hd = n_layers, n_heads, head_dim

    def decode(self, feats: np.ndarray, prompt: list[int], max_new: int, use_cache: bool = True) -> list[int]:
        g = self.gen
        eot = g["eos_token_id"]
        no_ts = g["no_timestamps_token_id"]
        ts_begin = no_ts + 1
        enc = self.enc.run(None, {"input_features": feats.astype(np.float32)})[0]
        tokens = list(prompt)
        begin = len(tokens)
        names = kv_names(self.n, "past_key_values")
        empty = {name: np.zeros((1, self.h, 0, self.hd), np.float32) for name in names}
        past = None
        for _ in range(max_new):
            if use_cache and past is not None:
                feed = {"input_ids": np.array([tokens[-1:]], np.int64), "encoder_hidden_states": enc, **past, "use_cache_branch": np.array([True])}
            else:
                feed = {"input_ids": np.array([tokens], np.int64), "encoder_hidden_states": enc, **empty, "use_cache_branch": np.array([False])}
            outs = self.dec.run(None, feed)
            res = dict(zip([o.name for o in self.dec.get_outputs()], outs))
            new_past = {}
            for name in names:
                pres = res[name.replace("past_key_values", "present")]
                if ".encoder." in name and past is not None:
                    new_past[name] = past[name]
                else:
                    new_past[name] = pres
            past = new_past
            scores = res["logits"][0, -1].astype(np.float32).copy()
            if len(tokens) == begin:
                scores[g["begin_suppress_tokens"]] = -np.inf
            scores[g["suppress_tokens"]] = -np.inf
            apply_timestamp_rules(scores, tokens[begin:], ts_begin, no_ts, eot, g.get("max_initial_timestamp_index"))
            nxt = int(np.argmax(scores))
            tokens.append(nxt)
            if nxt == eot:
                break
        return tokens[begin:]


def apply_timestamp_rules(scores: np.ndarray, seq: list[int], ts_begin: int, no_ts: int, eot: int, max_initial: int | None) -> None:
    scores[no_ts] = -np.inf
    last_ts = len(seq) >= 1 and seq[-1] >= ts_begin
    penult_ts = len(seq) < 2 or seq[-2] >= ts_begin
    if last_ts:
        if penult_ts:
            scores[ts_begin:] = -np.inf
        else:
            scores[:eot] = -np.inf
    stamps = [t for t in seq if t >= ts_begin]
    if stamps:
        last = stamps[-1] if (last_ts and not penult_ts) else stamps[-1] + 1
        scores[ts_begin:last] = -np.inf
    if len(seq) == 0:
        scores[:ts_begin] = -np.inf
        if max_initial is not None:
            scores[ts_begin + max_initial + 1:] = -np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.max(scores)
        logp = scores - (m + np.log(np.sum(np.exp(scores - m))))
        ts_lp = logp[ts_begin:]
        tm = np.max(ts_lp)
        ts_logprob = tm + np.log(np.sum(np.exp(ts_lp - tm))) if np.isfinite(tm) else -np.inf
        text_max = np.max(logp[:ts_begin])
    if ts_logprob > text_max:
        scores[:ts_begin] = -np.inf


# --------------------------------------------------------------------------------------------

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def synthetic_signal(seconds: float, sr: int = 16000) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * (200 + 300 * t) * t) + 0.1 * np.sin(2 * np.pi * 1000 * t) * (t > 0.3)
    x = x + 0.02 * rng.standard_normal(t.shape)
    return x.astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--max-new-tokens", type=int, default=224)
    args = ap.parse_args()
    out: Path = args.out
    torch.manual_seed(SEED)
    torch.set_num_threads(1)

    if out.exists():
        shutil.rmtree(out)
    (out / "reference").mkdir(parents=True)

    tok, info = build_tokenizer()
    ids = info["ids"]
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    vocab_size = tok.get_vocab_size(with_added_tokens=True)
    lang_to_id = {f"<|{lang}|>": ids[f"<|{lang}|>"] for lang in LANGUAGES}
    suppress = non_speech_tokens(tok) + [sot, ids["<|translate|>"], ids["<|transcribe|>"], ids["<|startoflm|>"], ids["<|startofprev|>"], ids["<|nospeech|>"]]

    config = WhisperConfig(
        vocab_size=vocab_size, num_mel_bins=80, d_model=64,
        encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
        encoder_ffn_dim=128, decoder_ffn_dim=128, max_source_positions=1500, max_target_positions=448,
        decoder_start_token_id=sot, bos_token_id=eot, eos_token_id=eot, pad_token_id=eot,
        begin_suppress_tokens=[tok.encode(" ", add_special_tokens=False).ids[0], eot], suppress_tokens=suppress,
        tie_word_embeddings=True,
    )
    model = WhisperForConditionalGeneration(config).eval()

    gen = GenerationConfig(
        decoder_start_token_id=sot, bos_token_id=eot, eos_token_id=eot, pad_token_id=eot, max_length=448,
        begin_suppress_tokens=config.begin_suppress_tokens, suppress_tokens=suppress,
        forced_decoder_ids=None, is_multilingual=True, lang_to_id=lang_to_id,
        task_to_id={"translate": ids["<|translate|>"], "transcribe": ids["<|transcribe|>"]},
        no_timestamps_token_id=ids["<|notimestamps|>"], prev_sot_token_id=ids["<|startofprev|>"],
        max_initial_timestamp_index=50, return_timestamps=False, alignment_heads=[[1, 0], [1, 1]],
    )
    model.generation_config = gen

    # --- files a public conversion ships -----------------------------------------------------
    config.save_pretrained(out)
    gen.save_pretrained(out)
    fe = WhisperFeatureExtractor(feature_size=config.num_mel_bins)
    fe.save_pretrained(out)
    pp = json.loads((out / "preprocessor_config.json").read_text())
    pp.pop("mel_filters", None)  # older conversions embed the 80x201 filters; the runtime computes them
    (out / "preprocessor_config.json").write_text(json.dumps(pp, indent=2) + "\n")
    tok.save(str(out / "tokenizer.json"), pretty=False)
    with tempfile.TemporaryDirectory() as td:
        tok.model.save(td)
        shutil.copy(Path(td) / "vocab.json", out / "vocab.json")
        shutil.copy(Path(td) / "merges.txt", out / "merges.txt")
    added = {s: tok.token_to_id(s) for s in info["specials"]}
    added.update({f"<|{i * 0.02:.2f}|>": ids["<|notimestamps|>"] + 1 + i for i in range(N_TIMESTAMPS)})
    (out / "added_tokens.json").write_text(json.dumps(added, indent=2, ensure_ascii=False) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
        "additional_special_tokens": [s for s in info["specials"] if s != "<|endoftext|>"],
    }, indent=2) + "\n")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "WhisperTokenizer", "model_max_length": 1024, "add_prefix_space": False,
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
        "errors": "replace", "clean_up_tokenization_spaces": False,
    }, indent=2) + "\n")

    with tempfile.TemporaryDirectory() as td:
        export_models(model, out, Path(td))

    # --- checks: the export computes what transformers computes -------------------------------
    n, h, hd = config.decoder_layers, config.decoder_attention_heads, config.d_model // config.decoder_attention_heads
    sig = synthetic_signal(1.0)
    feats = fe(sig, sampling_rate=16000, return_tensors="np").input_features  # [1, 80, 3000]
    ortw = OrtWhisper(out, gen.to_dict(), n, h, hd)
    with torch.no_grad():
        ft = torch.from_numpy(feats)
        hf_enc = model.model.encoder(ft).last_hidden_state
        ort_enc = ortw.enc.run(None, {"input_features": feats})[0]
        err = float(np.abs(hf_enc.numpy() - ort_enc).max())
        print(f"encoder: max |HF - ONNX| = {err:.2e}")
        assert err < 1e-4
        prompt_ids = [sot, lang_to_id["<|en|>"], ids["<|transcribe|>"]]
        dec_ids = torch.tensor([prompt_ids + [5, 17, 300]])
        hf_logits = model(input_features=ft, decoder_input_ids=dec_ids).logits.numpy()
        empty = {k: np.zeros((1, h, 0, hd), np.float32) for k in kv_names(n, "past_key_values")}
        o_full = ortw.dec.run(["logits"], {"input_ids": dec_ids.numpy(), "encoder_hidden_states": ort_enc, **empty, "use_cache_branch": np.array([False])})[0]
        err = float(np.abs(hf_logits - o_full).max())
        print(f"decoder (no cache): max |HF - ONNX| = {err:.2e}")
        assert err < 1e-4
        # cached: first 4 tokens without cache, then the last 2 one at a time
        outs = ortw.dec.run(None, {"input_ids": dec_ids[:, :4].numpy(), "encoder_hidden_states": ort_enc, **empty, "use_cache_branch": np.array([False])})
        names = [o.name for o in ortw.dec.get_outputs()]
        for step in (4, 5):
            past = {k.replace("present", "past_key_values"): v for k, v in zip(names, outs) if k.startswith("present")}
            outs2 = ortw.dec.run(None, {"input_ids": dec_ids[:, step:step + 1].numpy(), "encoder_hidden_states": ort_enc, **past, "use_cache_branch": np.array([True])})
            err = float(np.abs(outs2[0][0, -1] - hf_logits[0, step]).max())
            print(f"decoder (cached step {step}): max |HF - ONNX| = {err:.2e}")
            assert err < 1e-4
            outs = outs2

    # --- reference decodes -----------------------------------------------------------------
    vocab_words = ["atorvastatin", "Sidekiq", "PostgreSQL", "inequality"]
    prompt_text = " " + ", ".join(vocab_words)
    prev = [ids["<|startofprev|>"]] + tok.encode(prompt_text, add_special_tokens=False).ids
    cases = {
        "plain": prompt_ids,
        "prompted": prev + prompt_ids,
    }
    expected = {}
    for name, pre in cases.items():
        cached = ortw.decode(feats, pre, args.max_new_tokens, use_cache=True)
        uncached = ortw.decode(feats, pre, args.max_new_tokens, use_cache=False)
        assert cached == uncached, f"{name}: cached and uncached onnxruntime decodes differ"
        gen_kwargs = dict(language="en", task="transcribe", return_timestamps=True, max_new_tokens=args.max_new_tokens, do_sample=False, num_beams=1)
        if name == "prompted":
            gen_kwargs["prompt_ids"] = torch.tensor(prev)
        with torch.no_grad():
            res = model.generate(torch.from_numpy(feats), return_segments=True, **gen_kwargs)
        # the raw output of the single underlying generate call (transformers then cuts it into
        # segments and drops what follows the last timestamp pair, as our runtime does too)
        raw = res["segments"][0][0]["result"]
        raw = raw["sequences"] if isinstance(raw, dict) else raw
        seq = raw.tolist()
        hf = seq[len(pre):] if seq[: len(pre)] == pre else seq
        if hf != cached:
            print(f"{name}: transformers generate {hf}\n   onnxruntime decode  {cached}", file=sys.stderr)
            raise SystemExit(f"{name}: transformers' generate and the onnxruntime reference decode disagree")
        n_ts = sum(1 for t in cached if t > ids["<|notimestamps|>"])
        print(f"reference decode '{name}': {len(cached)} tokens ({n_ts} timestamps), same in transformers and onnxruntime")
        expected[name] = {"prompt_ids": pre, "generated_ids": cached, "text": tok.decode([t for t in cached if t < eot])}

    # language identification: the most likely language token after <|startoftranscript|>
    with torch.no_grad():
        hf_lang = int(model.detect_language(torch.from_numpy(feats), generation_config=gen)[0])
    empty = {k: np.zeros((1, h, 0, hd), np.float32) for k in kv_names(n, "past_key_values")}
    row = ortw.dec.run(["logits"], {"input_ids": np.array([[sot]], np.int64), "encoder_hidden_states": ort_enc, **empty, "use_cache_branch": np.array([False])})[0][0, -1]
    lang_ids = sorted(lang_to_id.values())
    ort_lang = lang_ids[int(np.argmax(row[lang_ids]))]
    assert hf_lang == ort_lang, (hf_lang, ort_lang)
    detected = next(k for k, v in lang_to_id.items() if v == ort_lang).strip("<|>")
    print(f"language detection: {detected} (same in transformers and onnxruntime)")

    ref = out / "reference"
    sig.tofile(ref / "signal.f32")
    n_head_frames = 112
    np.ascontiguousarray(feats[0, :, :n_head_frames]).astype("<f4").tofile(ref / "mel_head.f32")
    np.ascontiguousarray(feats[0, :, -8:]).astype("<f4").tofile(ref / "mel_tail.f32")
    samples = [
        " Hello world.",
        "Thank you for agreeing to talk with us today.",
        " atorvastatin 20 mg, twice daily; PostgreSQL & Sidekiq!",
        "It's a test: we'll see what they're doing, isn't it?",
        "  multiple   spaces\n\tand a newline",
        " café, naïve, 東京 🎉 — done",
        " 1234567 and 3.14",
    ]
    tokenizer_cases = [{"text": s, "ids": tok.encode(s, add_special_tokens=False).ids} for s in samples]
    for c in tokenizer_cases:
        assert tok.decode(c["ids"]) == c["text"], c
    (ref / "reference.json").write_text(json.dumps({
        "generated_by": "training/whisper/export_tiny.py",
        "note": "random weights: these ids check the runtime's mechanics (shapes, cache, rules), not accuracy",
        "signal": {"file": "signal.f32", "dtype": "float32le", "sample_rate": 16000, "samples": int(sig.size)},
        "mel": {
            "n_mels": config.num_mel_bins, "frames": int(feats.shape[-1]),
            "head": {"file": "mel_head.f32", "frames": n_head_frames, "layout": "[n_mels][frames] float32le"},
            "tail": {"file": "mel_tail.f32", "frames": 8, "layout": "[n_mels][frames] float32le, the last 8 frames"},
            "max": float(feats.max()), "min": float(feats.min()), "mean": float(feats.mean()),
        },
        "max_new_tokens": args.max_new_tokens,
        "decode": {k: {**v, "prompt_text": prompt_text if k == "prompted" else None} for k, v in expected.items()},
        "vocabulary_words": vocab_words,
        "detected_language": detected,
        "tokenizer": tokenizer_cases,
    }, indent=1, ensure_ascii=False) + "\n")

    files = {
        "encoder": "encoder_model.onnx", "decoder": "decoder_model_merged.onnx", "tokenizer": "tokenizer.json",
        "config": "config.json", "generation_config": "generation_config.json", "preprocessor_config": "preprocessor_config.json",
    }
    manifest = {
        "name": "whisper-tiny-random", "version": "0.0.0-test", "family": "whisper", "sample_rate": 16000,
        "description": "TEST FIXTURE: a randomly initialised tiny Whisper (d_model 64, 2+2 layers, 4 heads) with a toy "
                       "byte-level BPE vocabulary; it checks the runtime's mechanics and transcribes nothing meaningful.",
        "files": files,
        "checksums": {rel: sha256(out / rel) for rel in files.values()},
        "language": "en", "task": "transcribe",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total / 1e6:.2f} MB)")
    assert total <= 3_000_000, "fixture must stay under 3 MB"
    return 0


if __name__ == "__main__":
    sys.exit(main())
