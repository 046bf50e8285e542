"""``python -m streamtok``: the ``streamtok`` command."""

import sys

from streamtok.cli import main

sys.exit(main())
