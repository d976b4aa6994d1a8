"""``python -m vethlab`` is the ``vethlab`` command."""

import sys

from .cli import main

sys.exit(main())
