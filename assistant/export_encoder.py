"""``python -m assistant.export_encoder``: kept at this path for the command in the README
and the encoder's model card; the code is :mod:`assistant.embed.export_encoder`."""

import sys

from .embed.export_encoder import main

if __name__ == "__main__":
    sys.exit(main())
