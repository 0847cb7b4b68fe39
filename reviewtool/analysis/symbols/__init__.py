"""The bisect checks' symbols of a file state: what it defines, declares, uses and includes
(`state.py`), kept by region across a series' states (`store.py`) and read as region parts
(`parts.py`). Import from the modules themselves: tests patch their bounds there."""
