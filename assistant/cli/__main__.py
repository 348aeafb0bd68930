"""``python -m assistant.cli``: the same commands as the ``assistant`` script."""

import sys

from .commands import main

sys.exit(main())
