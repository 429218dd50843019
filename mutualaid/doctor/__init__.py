"""`flask --app wsgi doctor`: checks a deployment's settings and the services it relies on, in plain words.

Each check returns findings (OK, WARN or FAIL, with what to do); the command prints them and exits
non-zero on any FAIL. Checks never send a text or an email and never print a secret.
"""
