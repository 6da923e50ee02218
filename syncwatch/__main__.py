"""``python -m syncwatch``."""

from syncwatch.cli import main

main()
