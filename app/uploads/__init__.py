"""Request bodies of the upload routes: checked caller first, then streamed, counted and staged (guard.py)."""
