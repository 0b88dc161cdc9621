-- The lease query reads send_jobs_due_idx (V12) now; (priority, seq) would be one more index page to write with
-- every job. A node of the release before runs its lease query without it during a rolling upgrade: slower, the
-- same jobs.
DROP INDEX send_jobs_order_idx;
