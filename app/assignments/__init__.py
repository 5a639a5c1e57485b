"""HR assignments of modules to departments or people, with due dates."""
