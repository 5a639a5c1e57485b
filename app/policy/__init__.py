"""Policy versions, signatures (online and on paper, one write path), receipts and status."""
