"""Applications: submissions, drafts, the append-only status history, the dashboard, tracking."""
