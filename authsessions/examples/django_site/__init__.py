"""A Django project with login sessions, a "Your devices" page and "log out
everywhere", on authsessions.django.

Run it:  python -m authsessions.examples.django_site
(migrates its SQLite user database, creates the users alice / wonderland
and bob / builder, and serves http://localhost:8000; the sessions live in
memory, or AUTHSESSIONS_REDIS_URL=redis://... for Redis, or
AUTHSESSIONS_SQL_URL=sqlite:///sessions.db for SQL). /security needs a
sign-in of the last 10 minutes (else /reauth asks for the password again);
a hook logs every new sign-in, as a "new sign-in" e-mail would.
"""
