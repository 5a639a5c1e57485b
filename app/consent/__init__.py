"""The employee's "My image" pages: decide, review history, download receipts."""
