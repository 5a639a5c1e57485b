"""Demo data: the small seeded organisation and the large generated one."""
