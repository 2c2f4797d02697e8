"""Fine-tuning an answer model for RAG Arena: SFT with (Q)LoRA, merge, DPO from arena votes.

Heavy libraries (torch, transformers, peft, trl) are imported inside the functions that need
them, so data errors are reported in a second, before any model is loaded. Install them with
`requirements-train.txt` (see the README's training section); the app itself never imports this
package.
"""
