"""`python -m reviewtool`."""

from reviewtool.cli import main

main()
