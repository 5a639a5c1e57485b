"""Learning area: the module player, quizzes and module administration."""
