"""``python -m tacgen.cli``: the ``tacgen`` command."""

import sys

from tacgen.cli import main

sys.exit(main())
