-- What the start-up catch-up reads (IDueWorkStore): Orleans skips a reminder's first tick that is
-- already past, so deadlines that passed while no silo ran are found by these indexes instead. Each
-- holds only what can fall due, in due order, and covers the query (tenant_id included): a catch-up
-- reads the overdue prefix and stops, whatever the number of pending rows behind it.

-- Pending approvals by deadline. The query names status = 'pending' as a literal, which is what lets
-- SQLite use a partial index.
CREATE INDEX ix_approvals_pending_expiry ON approvals (expires_at, id, tenant_id) WHERE status = 'pending';

-- When a run falls due (unix microseconds, like every time here): its commit time while it owes an
-- effect not known to be carried out, else the end of its delay or task timeout, else NULL. Set by
-- every write of the run (DueWork.WorkflowDueAt) and cleared by IDueWorkStore.EffectDoneAsync.
ALTER TABLE workflows ADD COLUMN due_at INTEGER;

CREATE INDEX ix_workflows_due ON workflows (due_at, id, tenant_id) WHERE due_at IS NOT NULL;

-- Rows written before this migration, computed from their state as the store now computes it on each
-- write. The delay or task timeout first: wake_at is ISO 8601 text ("2026-01-01T10:00:00.1234567+00:00",
-- fraction optional, offset or Z); unixepoch() gives its whole seconds (offset applied) and the
-- fraction's first six digits are the microseconds (the seventh is dropped, as Micros.From does).
WITH wake (id, t) AS (
    SELECT id, json_extract(state, '$.wake_at') FROM workflows
    WHERE json_type(state, '$.wake_at') = 'text' AND status NOT IN ('completed', 'failed', 'cancelled')
)
UPDATE workflows
SET due_at = (
    SELECT unixepoch(wake.t) * 1000000
           + CASE WHEN substr(wake.t, 20, 1) = '.'
                  THEN CAST(substr(substr(wake.t, 21, length(wake.t) - 20 - CASE WHEN wake.t LIKE '%Z' THEN 1 ELSE 6 END) || '000000', 1, 6) AS INTEGER)
                  ELSE 0 END
    FROM wake WHERE wake.id = workflows.id)
WHERE id IN (SELECT id FROM wake);

-- Then an effect still owed makes the run due at once. An effect is known done when the approvals
-- table shows it: a filed request exists, a cancelled one is no longer pending. Any other stored
-- effect counts as owed, and the catch-up visits the run once (carrying out an effect is safe to repeat).
UPDATE workflows
SET due_at = min(coalesce(due_at, updated_at), updated_at)
WHERE json_type(state, '$.pending_effect') = 'object'
  AND NOT (
        (json_extract(state, '$.pending_effect.kind') = 'file_approval'
         AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = json_extract(workflows.state, '$.pending_effect.approval_id')))
     OR (json_extract(state, '$.pending_effect.kind') = 'cancel_approval'
         AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id = json_extract(workflows.state, '$.pending_effect.approval_id') AND a.status = 'pending')));
