"""The shared vocabulary, at the bottom of every import: user errors and translations (`errors`,
`i18n`, `locales`), JSON Lines (`jsonl`), text analysis (`text`: accent folding, Spanish terms;
`text_metrics`: overlap, abstention, length), passages and retrieved hits (`passages`), the question
check, the battle record and whether a vote counts (`battles`, `battle_checks`, `vote_filter`), the
study's criteria (`criteria`) and what the stores refuse plus the stored session digest (`refusals`).

Layer 1 of the import order (tests/test_layout.py): imports nothing else of ragarena.
"""
