-- When an overdue propagation was first reported, so it is logged once.
alter table propagation add column overdue_reported_at timestamptz;
-- Receipts are looked up by directive id (the primary key); ops list open work by processor.
create index propagation_processor_open on propagation (processor, status);
