"""Series memory: findings across the versions of a series, and across the people in its
thread.

- `patchid`: `git patch-id --stable` in Python; `versions`: which patch of one posting is
  which of the next (patch id, subject, then range-diff's assignment); `chain`: the earlier
  postings to compare (`--since`, other versions in the input).
"""
