"""Administrator pages: instance settings (other areas add their own admin pages)."""
