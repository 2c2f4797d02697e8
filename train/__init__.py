"""Fine-tuning an answer model for RAG Arena: SFT with (Q)LoRA, merge, DPO from arena votes.

Heavy libraries (torch, transformers, peft, trl) are imported inside the functions that need
them, so data errors are reported in a second, before any model is loaded. Install them with
`requirements-train.txt` (see the README's training section); the app itself never imports this
package.

Commands: `sft`, `dpo`, `merge`. Data (no torch): `serving` (the app's corpus and engine,
so training retrieves as the app serves), `splits` (what may be trained on), `examples` (SFT
records), `preferences` (DPO pairs from counted votes). Models and runs: `config` (settings),
`modeling` (model, tokenizer, trainer settings), `lengths` (token lengths, fitting to
max_length), `progress` (loss lines), `card` (model card, TGI commands), `files`, `cli`.
"""
