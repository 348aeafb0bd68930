"""Evaluation: ``retrieval``, ``answers``, ``claims`` and ``llm`` (``assistant eval ...``),
their data and splits (``datasets``), and the stage benchmark (``bench`` with
``bench_stages``, ``bench_measure``, ``bench_report``)."""
