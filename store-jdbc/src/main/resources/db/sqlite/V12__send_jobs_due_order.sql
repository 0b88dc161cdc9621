-- db/migration's V12 on SQLite: the dispatcher leases each priority's due jobs in the order they fell due (request
-- order for jobs due together), reading this index from a priority's first job to its last due one, so jobs
-- scheduled ahead are not read at every poll.
CREATE INDEX ${concurrently} send_jobs_due_idx ON send_jobs (priority, not_before, seq);
