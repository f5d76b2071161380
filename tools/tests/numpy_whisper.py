"""A small float32 numpy Whisper that reads Hugging Face tensor names.

It exists to check converted weights against CTranslate2 (and, later, to be a
readable reference for the Candle implementation). No key/value cache: the
decoder recomputes the whole prefix each step, which is fine for short tests.
"""

from __future__ import annotations

import numpy as np


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for float32 checks.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    """x: [channels, frames]; kernel 3, padding 1. Returns [out, frames_out]."""
    padded = np.pad(x, ((0, 0), (1, 1)))
    frames_out = (padded.shape[1] - 3) // stride + 1
    columns = np.stack([padded[:, k : k + stride * frames_out : stride] for k in range(3)], axis=-1)
    # columns: [in, frames_out, 3] -> [frames_out, in * 3]
    columns = columns.transpose(1, 0, 2).reshape(frames_out, -1)
    return (columns @ weight.reshape(weight.shape[0], -1).T + bias).T


def softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


class NumpyWhisper:
    def __init__(self, tensors: dict[str, np.ndarray], config: dict):
        self.w = {name: value.astype(np.float32) for name, value in tensors.items()}
        self.heads_enc = config["encoder_attention_heads"]
        self.heads_dec = config["decoder_attention_heads"]
        self.encoder_layers = config["encoder_layers"]
        self.decoder_layers = config["decoder_layers"]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        y = x @ self.w[f"{name}.weight"].T
        bias = self.w.get(f"{name}.bias")
        return y if bias is None else y + bias

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _attention(self, x, source, name, heads, causal):
        q = self._linear(x, f"{name}.q_proj")
        k = self._linear(source, f"{name}.k_proj")
        v = self._linear(source, f"{name}.v_proj")
        d = q.shape[-1] // heads
        split = lambda t: t.reshape(t.shape[0], heads, d).transpose(1, 0, 2)  # noqa: E731
        scores = split(q) @ split(k).transpose(0, 2, 1) / np.float32(np.sqrt(d))
        if causal:
            scores = scores + np.triu(np.full(scores.shape[-2:], -np.inf, np.float32), 1)
        mixed = (softmax(scores) @ split(v)).transpose(1, 0, 2).reshape(x.shape[0], -1)
        return self._linear(mixed, f"{name}.out_proj")

    def _mlp(self, x, name):
        return self._linear(gelu(self._linear(self._ln(x, f"{name}.final_layer_norm"), f"{name}.fc1")), f"{name}.fc2")

    def encode(self, mel: np.ndarray) -> np.ndarray:
        """mel: [n_mels, 3000] -> [1500, d_model]."""
        x = gelu(conv1d(mel, self.w["model.encoder.conv1.weight"], self.w["model.encoder.conv1.bias"], 1))
        x = gelu(conv1d(x, self.w["model.encoder.conv2.weight"], self.w["model.encoder.conv2.bias"], 2))
        x = x.T + self.w["model.encoder.embed_positions.weight"][: x.shape[1]]
        for i in range(self.encoder_layers):
            name = f"model.encoder.layers.{i}"
            h = self._ln(x, f"{name}.self_attn_layer_norm")
            x = x + self._attention(h, h, f"{name}.self_attn", self.heads_enc, causal=False)
            x = x + self._mlp(x, name)
        return self._ln(x, "model.encoder.layer_norm")

    def last_logits(self, tokens: list[int], audio: np.ndarray) -> np.ndarray:
        x = self.w["model.decoder.embed_tokens.weight"][tokens]
        x = x + self.w["model.decoder.embed_positions.weight"][: len(tokens)]
        for i in range(self.decoder_layers):
            name = f"model.decoder.layers.{i}"
            h = self._ln(x, f"{name}.self_attn_layer_norm")
            x = x + self._attention(h, h, f"{name}.self_attn", self.heads_dec, causal=True)
            h = self._ln(x, f"{name}.encoder_attn_layer_norm")
            x = x + self._attention(h, audio, f"{name}.encoder_attn", self.heads_dec, causal=False)
            x = x + self._mlp(x, name)
        last = self._ln(x[-1:], "model.decoder.layer_norm")
        return (last @ self.w["model.decoder.embed_tokens.weight"].T)[0]  # proj_out is tied

    def greedy(self, audio, prompt, eot, suppress, suppress_begin, max_tokens=100) -> list[int]:
        tokens = list(prompt)
        for step in range(max_tokens):
            logits = self.last_logits(tokens, audio)
            logits[suppress] = -np.inf
            if step == 0:
                logits[suppress_begin] = -np.inf
            token = int(np.argmax(logits))
            if token == eot:
                break
            tokens.append(token)
        return tokens[len(prompt) :]
