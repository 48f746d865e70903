"""``python -m qprecode.cli``: the same as the ``qprecode`` command (e.g. under torchrun)."""

from . import main

main()
