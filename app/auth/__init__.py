"""Sign-in, sign-out, invitations and password resets."""
