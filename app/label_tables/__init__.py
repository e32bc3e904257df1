"""Label tables kept apart from app/labels.py by part (pure data, no imports of any domain)."""
