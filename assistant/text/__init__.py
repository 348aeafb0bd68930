"""Text handling, below every stage (plain functions).

- ``sentences``: sentence boundaries with character offsets.
- ``match``: folding, stemming, stop words, names and numbers: lexical evidence.
- ``query_hints``: the publishers and publication dates a question names.
- ``dates``: month names.
- ``redact``: secrets kept out of messages and logs.
"""
