"""First run: an instance with no group is set up once, in the browser, with a key from the server's log."""
