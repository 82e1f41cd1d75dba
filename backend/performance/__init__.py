"""How every agency's services perform: public figures by month, cached and refreshed by the
worker, and each agency's own view with its overdue applications in the officer console."""
