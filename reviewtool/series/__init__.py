"""Messages → one `Series`: threads, versions, cover letter, partial rerolls, trailers from
replies, and the IN findings about the series' shape."""

from reviewtool.series.assembly import assemble
from reviewtool.series.threads import Threads

__all__ = ["Threads", "assemble"]
