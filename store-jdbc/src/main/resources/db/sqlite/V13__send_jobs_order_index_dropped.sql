-- db/migration's V13 on SQLite: the lease query reads send_jobs_due_idx (V12) now; (priority, seq) would be one
-- more index page to write with every job.
DROP INDEX send_jobs_order_idx;
