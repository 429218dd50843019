"""The one error backups raise: its text is for the operator to read."""


class BackupError(RuntimeError):
    """A backup or restore could not be done; nothing was changed."""
