"""The exceptions that end a run with a one-line message and a documented exit code."""


class ReviewtoolError(Exception):
    """Base class: the message is one line meant for the user."""

    exit_code = 2


class InputError(ReviewtoolError):
    """The series, tree or revision given cannot be read."""


class RuleDataError(ReviewtoolError):
    """A rules/ file is missing or malformed."""


class ConfigError(ReviewtoolError):
    """A configuration file or option is malformed."""
