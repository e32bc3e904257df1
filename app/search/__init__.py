"""Full-text search of documents and records (Whoosh, CJK bigrams); the database stays the source of truth."""
