"""Where the files shipped inside the package lie: the trained weights and the tokenizer
(``assistant/weights``). Every stage that reads one takes its path from here."""

from __future__ import annotations

from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
# all-MiniLM-L6-v2's tokenizer.json, byte for byte (the export checks it): the judge, a
# fine-tuned MiniLM, ships it under this name and the encoder reads the same file.
TOKENIZER_FILE = WEIGHTS_DIR / "judge-tokenizer.json"
