"""A person's own data (the Me page, the export), the record of processing, and retention."""
