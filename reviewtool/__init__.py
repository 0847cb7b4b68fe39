"""reviewtool: a patch-series review assistant for Linux-kernel-style C patches."""

__version__ = "0.1.0"
