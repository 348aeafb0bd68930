"""Text handling, below every stage (plain functions).

- ``sentences``: sentence boundaries with character offsets.
- ``match``: folding, stemming, stop words, names and numbers: lexical evidence.
- ``query_hints``: the publishers and publication dates a question names.
- ``dates``: month names.
- ``opposites``: words a claim may turn into their opposites ("rose" for "fell").
- ``places``: capitals standing for their countries ("Moscow" for Russia).
- ``redact``: secrets kept out of messages and logs.
"""
