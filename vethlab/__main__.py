"""``python -m vethlab`` is the ``vethlab`` command."""

import sys

from vethlab.cli import main

sys.exit(main())
