-- The W3C trace context of the request that wrote the event (null when tracing is off): the relay sends the event
-- in that trace (README, Tracing).
alter table outbox_event add column traceparent varchar(55);
