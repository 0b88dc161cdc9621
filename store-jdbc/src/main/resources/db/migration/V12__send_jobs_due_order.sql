-- The dispatcher leases each priority's due jobs in the order they fell due (request order for jobs due together),
-- reading this index from a priority's first job to its last due one: jobs scheduled ahead are not read at every
-- poll, as they were walking (priority, seq). Expand only: a new index, built without blocking writers.
CREATE INDEX ${concurrently} send_jobs_due_idx ON send_jobs (priority, not_before, seq);
