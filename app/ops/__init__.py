"""Operations: consistent backups, restores and the integrity check of the database and the blob store."""
