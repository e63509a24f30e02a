"""The local data plane of `make up` and of the molecule scenario `webcast` (plane.py)."""
